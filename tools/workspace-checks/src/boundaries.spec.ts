/**
 * Module boundaries (rfprod/nx-ng-starter style, two dimensions of tags):
 *   - every project has a scope:* and a type:* tag;
 *   - type:logic is pure: it imports only other type:logic projects and no I/O module;
 *   - type:proto imports no project; nothing imports an app; only edge code (type:infra and apps) imports @minimesh/proto.
 */
import { describe, expect, it } from 'vitest';
import { importsOf, readProjects, rel, sourceFiles } from './projects.js';

const BANNED_IN_LOGIC = [
  /^node:(fs|net|dgram|child_process|http|https|http2|dns|os|worker_threads|cluster|tls)(\/|$)/,
  /^(fs|net|dgram|child_process|http|https|dns|os)$/,
  /^@grpc\//,
  /^@nats-io\//,
  /^better-sqlite3$/,
  /^prom-client$/,
];

const projects = readProjects();
const byName = new Map(projects.map((p) => [p.packageName, p]));

function workspaceImports(file: string) {
  return importsOf(file)
    .filter((i) => i.startsWith('@minimesh/'))
    .map((i) => byName.get(i.split('/').slice(0, 2).join('/')))
    .filter((p) => p !== undefined);
}

describe('workspace boundaries', () => {
  it('boundaries - every project is tagged with a scope and a type', () => {
    const untagged = projects.filter((p) => !p.scope || !p.type).map((p) => p.packageName);
    expect(untagged).toEqual([]);
  });

  it('boundaries - pure libraries import no I/O and only other pure libraries', () => {
    const violations: string[] = [];
    for (const p of projects.filter((x) => x.type === 'logic')) {
      for (const f of sourceFiles(p)) {
        for (const i of importsOf(f)) {
          if (BANNED_IN_LOGIC.some((re) => re.test(i))) violations.push(`${rel(f)} imports ${i}`);
        }
        for (const dep of workspaceImports(f)) {
          if (dep.type !== 'logic' && dep.packageName !== p.packageName) violations.push(`${rel(f)} imports ${dep.packageName} (type:${dep.type})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('boundaries - no project imports an app; wire types only at the edge', () => {
    const violations: string[] = [];
    for (const p of projects) {
      for (const f of sourceFiles(p)) {
        for (const dep of workspaceImports(f)) {
          if (dep.type === 'app' && dep !== p) violations.push(`${rel(f)} imports app ${dep.packageName}`);
          if (dep.type === 'proto' && !['infra', 'app', 'proto'].includes(p.type)) violations.push(`${rel(f)} (type:${p.type}) imports ${dep.packageName}`);
          if (p.type === 'proto' && dep !== p) violations.push(`${rel(f)} (type:proto) imports ${dep.packageName}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
