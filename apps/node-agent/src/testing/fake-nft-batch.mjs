#!/usr/bin/env node
/**
 * A stand-in for minimesh-nft-batch in specs (no kernel): says "ready", reads frames (4-byte
 * length in host order, then the batch) and answers each with the next word of argv[2], a
 * comma-separated list ("ok", "err 17 2", or "die": exit without an answer), "ok" once the list
 * is used up. Each frame's message types (hex, comma-separated) go as one line to the file argv[3].
 */
import { appendFileSync } from 'node:fs';
import { endianness } from 'node:os';

const answers = (process.argv[2] ?? '').split(',').filter(Boolean);
const log = process.argv[3];
const LE = endianness() === 'LE';
let buf = Buffer.alloc(0);

process.stdout.write('ready\n');
process.stdin.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (buf.length < 4) return;
    const len = LE ? buf.readUInt32LE(0) : buf.readUInt32BE(0);
    if (buf.length < 4 + len) return;
    const frame = buf.subarray(4, 4 + len);
    buf = buf.subarray(4 + len);
    const types = [];
    for (let at = 0; at + 16 <= frame.length; at += LE ? frame.readUInt32LE(at) : frame.readUInt32BE(at)) types.push((LE ? frame.readUInt16LE(at + 4) : frame.readUInt16BE(at + 4)).toString(16));
    if (log) appendFileSync(log, `${types.join(',')}\n`);
    const answer = answers.shift() ?? 'ok';
    if (answer === 'die') process.exit(1);
    process.stdout.write(`${answer}\n`);
  }
});
