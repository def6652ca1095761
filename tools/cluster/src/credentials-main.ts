/** minimesh-credentials: the docker compose mesh's CA, serving certificate and tokens (one-shot). */
import { FlagError, helpText, readFlags, type FlagSpecs } from '@minimesh/runtime';
import { makeComposeCredentials } from './compose-credentials.js';

const NAME = 'minimesh-credentials';
const DESCRIPTION =
  "Makes the compose mesh's identities in --dir: ca/ (the CA, only for this command), apiserver/ (its serving\n" +
  'certificate, the CA certificate and the token file) and a folder per holder with ca.crt and token. What exists is kept.';
const FLAGS = {
  dir: { description: 'Where the credentials go.', default: '/credentials' },
  nodes: { description: 'The nodes, comma-separated (a token each for the node agent and the lb speaker).', default: 'node1,node2' },
  uid: { description: 'Owner of the files (the images run as uid 1000); -1: unchanged.', default: -1, parse: (raw: string) => { const n = Number(raw); if (!Number.isInteger(n) || n < -1) throw new Error(`"${raw}" is not a uid`); return n; } },
} satisfies FlagSpecs;

try {
  const parsed = readFlags({ name: NAME, flags: FLAGS }, process.argv.slice(2), process.env);
  if (parsed.help) {
    process.stdout.write(helpText(`${NAME} [flags]`, DESCRIPTION, FLAGS));
  } else {
    const o = parsed.values;
    const nodes = o.nodes.split(',').map((n) => n.trim()).filter(Boolean);
    const made = makeComposeCredentials({ dir: o.dir, nodes, uid: o.uid === -1 ? undefined : o.uid });
    process.stdout.write(`${NAME}: ${made.holders.length} holders in ${o.dir} (${made.issued.length ? `new tokens: ${made.issued.join(', ')}` : 'all kept'})\n`);
  }
} catch (e) {
  process.stderr.write(`${NAME}: ${(e as Error).message}\n`);
  process.exit(e instanceof FlagError ? 2 : 1);
}
