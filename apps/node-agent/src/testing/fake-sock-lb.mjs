#!/usr/bin/env node
// A stand-in for minimesh-sock-lb serve in the session's tests: the same protocol over
// stdin/stdout, the maps kept in memory. `serve DIR` where DIR names a behaviour:
//   .../ok         answers every request
//   .../wrong      announces a map layout the agent does not write
//   .../dies-on-2  exits (code 3) when it reads a request for map index 2
//   .../refuses    answers every update of the backends map with E2BIG and a message
// A write flagged AFTER_OK (1) is skipped with ECANCELED when the write before it failed or was skipped.
const [, , cmd, dir = ''] = process.argv;
if (cmd !== 'serve') process.exit(2);
const mode = dir.split('/').pop();
const MAPS = [['mm_frontends', 8, 12], ['mm_backends', 8, 8], ['mm_affinity', 16, 24], ['mm_revnat', 16, 8], ['mm_udp_flows', 16, 24]];
if (mode === 'wrong') MAPS[0][2] = 16;
process.stdout.write(MAPS.map((m) => m.join(' ')).join('\n') + '\nready\n');
const maps = MAPS.map(() => new Map());
let input = Buffer.alloc(0);
let lastErr = 0;
function reply(err, body = Buffer.alloc(0)) {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(err, 0);
  head.writeUInt32LE(body.length, 4);
  process.stdout.write(Buffer.concat([head, body]));
}
process.stdin.on('data', (d) => {
  input = Buffer.concat([input, d]);
  while (input.length >= 4 && input.length >= 4 + input.readUInt32LE(0)) {
    const len = input.readUInt32LE(0);
    const op = input[4], map = input[5], flags = input.readUInt16LE(6), count = input.readUInt32LE(8);
    const body = input.subarray(12, 4 + len);
    input = input.subarray(4 + len);
    if (mode === 'dies-on-2' && map === 2) process.exit(3);
    const [, k, v] = MAPS[map];
    // A write's result is what AFTER_OK looks at; dumps leave it alone.
    if (op !== 3 && (flags & 1) !== 0 && lastErr !== 0) { reply((lastErr = 125), Buffer.from('skipped after the failure of the write before it')); continue; }
    if (op === 1) {
      if (mode === 'refuses' && map === 1) { reply((lastErr = 7), Buffer.from('update: Argument list too long')); continue; }
      for (let i = 0; i < count; i++) maps[map].set(body.subarray(i * (k + v), i * (k + v) + k).toString('hex'), Buffer.from(body.subarray(i * (k + v) + k, (i + 1) * (k + v))));
      reply((lastErr = 0));
    } else if (op === 2) {
      for (let i = 0; i < count; i++) maps[map].delete(body.subarray(i * k, (i + 1) * k).toString('hex'));
      reply((lastErr = 0));
    } else {
      const n = Buffer.alloc(4);
      n.writeUInt32LE(maps[map].size, 0);
      reply(0, Buffer.concat([n, ...[...maps[map]].map(([key, val]) => Buffer.concat([Buffer.from(key, 'hex'), val]))]));
    }
  }
});
