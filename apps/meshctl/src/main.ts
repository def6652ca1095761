/**
 * meshctl's entry point: wires the process (argv, stdio, environment, Ctrl-C) to `run`, which
 * connects to the apiserver only when a command first uses the client.
 */
import { run } from './cli/run.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const controller = new AbortController();

/** The first Ctrl-C ends a watch cleanly; if that takes too long, or on a second one, exit at once. */
function onSignal(signal: NodeJS.Signals): void {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
  setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 2000).unref();
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

process.exitCode = await run(
  process.argv.slice(2),
  { stdout: process.stdout, stderr: process.stderr, readStdin, signal: controller.signal, cwd: process.cwd() },
  {
    env: process.env,
    connect: async (server, credentials) => {
      const { connectApiClient } = await import('@minimesh/client');
      return connectApiClient(server, credentials);
    },
  },
);
