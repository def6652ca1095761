/** What every subcommand shares: its shape, the cluster flag, user errors, root checks, the API client. */
import { maxOf } from '@minimesh/api';
import { connectApiClient, type ApiClient } from '@minimesh/client';
import type { CommandLine, FlagDef } from '@minimesh/runtime';
import { clusterPki } from './identities.js';
import { stateLayout, type ClusterState, type StateLayout } from './state.js';
import { DEFAULT_CLUSTER_NAME, clusterNameProblem } from './topology.js';

/** A failure to report as one line, `error: <message>`, exit code 1. */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export interface Command {
  usage: string;
  description: string;
  /** Its flags besides --help, read by the project's one parser (@minimesh/runtime). */
  flags: FlagDef[];
  /** Returns the exit code. */
  run(args: CommandLine): Promise<number>;
}

export const CLUSTER_FLAG: FlagDef = {
  name: 'name',
  type: 'string',
  valueName: 'NAME',
  env: 'MINIMESH_CLUSTER',
  help: `Name of the cluster (default "${DEFAULT_CLUSTER_NAME}"); namespaces are named mm-<NAME>-*.`,
};

export const NAMESPACE_FLAG: FlagDef = { name: 'namespace', short: 'n', type: 'string', valueName: 'NS', help: 'Namespace of the pod (default "default").' };

export interface ClusterRef {
  cluster: string;
  layout: StateLayout;
}

export function clusterRef(args: CommandLine): ClusterRef {
  const cluster = args.optional('name') ?? DEFAULT_CLUSTER_NAME;
  const problem = clusterNameProblem(cluster);
  if (problem) throw new UserError(problem);
  return { cluster, layout: stateLayout(cluster) };
}

export function requireRoot(what: string): void {
  if (process.getuid?.() !== 0) throw new UserError(`${what} needs root (network namespaces): run it as root, e.g. sudo npx minimesh-cluster ...`);
}

export function exactlyOne(args: CommandLine, what: string): string {
  if (args.args.length !== 1) throw new UserError(`expected exactly one ${what}, got ${args.args.length ? args.args.join(' ') : 'none'}`);
  return args.args[0]!;
}

/** A client of the cluster's apiserver (TCP on loopback) that is closed after `fn`. */
export async function withApi<T>(state: ClusterState, fn: (api: ApiClient) => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const api = connectApiClient(state.apiserver.address, { timeoutMs, ...adminCredentials(stateLayout(state.name)) });
  try {
    return await fn(api);
  } finally {
    api.close();
  }
}

export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}

/** Columns padded to the widest cell, kubectl style (three spaces between columns). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, maxOf(rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** The admin's client certificate and the CA: what the tool (and meshctl, through `env`) use over TCP. */
export function adminCredentials(layout: StateLayout): { caFile: string; certFile: string; keyFile: string } {
  const pki = clusterPki(layout);
  return { caFile: pki.caFile, certFile: pki.admin.certFile, keyFile: pki.admin.keyFile };
}
