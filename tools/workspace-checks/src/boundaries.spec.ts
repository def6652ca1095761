/**
 * Module boundaries (rfprod/nx-ng-starter style, two dimensions of tags), over every file of
 * every project — source, test code and bench scripts alike:
 *   - every project has a scope:* and a type:* tag;
 *   - type:logic source is pure: it imports only other type:logic projects and no I/O module;
 *   - type:proto imports no project; only edge code (type:infra and apps) imports @minimesh/proto;
 *   - nothing imports an app (type:app), test code included, except the integration project
 *     (type:integration), which may import an app's `./testing` entry and nothing else of it;
 *     a tool (type:tool, the local cluster) is imported by test code and benches only.
 */
import { describe, expect, it } from 'vitest';
import { allFiles, importsOf, isBench, isTestCode, readProjects, rel, sourceFiles } from './projects.js';

const BANNED_IN_LOGIC = [
  /^node:(fs|net|dgram|child_process|http|https|http2|dns|os|worker_threads|cluster|tls)(\/|$)/,
  /^(fs|net|dgram|child_process|http|https|dns|os)$/,
  /^@grpc\//,
  /^@nats-io\//,
  /^better-sqlite3$/,
  /^prom-client$/,
];

const TYPES = ['app', 'infra', 'logic', 'proto', 'tool', 'integration', 'test'];

const projects = readProjects();
const byName = new Map(projects.map((p) => [p.packageName, p]));

function workspaceImports(file: string) {
  return importsOf(file)
    .filter((i) => i.startsWith('@minimesh/'))
    .map((i) => ({ spec: i, project: byName.get(i.split('/').slice(0, 2).join('/')) }))
    .filter((x): x is { spec: string; project: NonNullable<typeof x.project> } => x.project !== undefined);
}

describe('workspace boundaries', () => {
  it('boundaries - every project is tagged with a scope and a known type', () => {
    const bad = projects.filter((p) => !p.scope || !TYPES.includes(p.type)).map((p) => `${p.packageName} (${p.tags.join(' ')})`);
    expect(bad).toEqual([]);
  });

  it('boundaries - pure libraries import no I/O and only other pure libraries', () => {
    const violations: string[] = [];
    for (const p of projects.filter((x) => x.type === 'logic')) {
      for (const f of sourceFiles(p)) {
        for (const i of importsOf(f)) {
          if (BANNED_IN_LOGIC.some((re) => re.test(i))) violations.push(`${rel(f)} imports ${i}`);
        }
        for (const { project: dep } of workspaceImports(f)) {
          if (dep.type !== 'logic' && dep !== p) violations.push(`${rel(f)} imports ${dep.packageName} (type:${dep.type})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('boundaries - wire types only at the edge', () => {
    const violations: string[] = [];
    for (const p of projects) {
      for (const f of sourceFiles(p)) {
        for (const { project: dep } of workspaceImports(f)) {
          if (dep.type === 'proto' && !['infra', 'app', 'proto', 'tool'].includes(p.type)) violations.push(`${rel(f)} (type:${p.type}) imports ${dep.packageName}`);
          if (p.type === 'proto' && dep !== p) violations.push(`${rel(f)} (type:proto) imports ${dep.packageName}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('boundaries - no project imports an app, test code included; only the integration project reaches apps, through ./testing', () => {
    const violations: string[] = [];
    for (const p of projects) {
      for (const f of allFiles(p)) {
        for (const { spec, project: dep } of workspaceImports(f)) {
          if (dep === p) continue;
          if (dep.type === 'app') {
            const throughTesting = spec === `${dep.packageName}/testing`;
            if (!(p.type === 'integration' && throughTesting)) violations.push(`${rel(f)} imports app ${spec}`);
          }
          if (dep.type === 'tool' && !isTestCode(p, f) && !isBench(p, f)) violations.push(`${rel(f)} (not test code or a bench) imports tool ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
