/**
 * One convention for test code, everywhere:
 *   - a project's test helpers live in `src/testing/`; when other projects need them the package
 *     exports them as `<package>/testing` → `./src/testing/index.ts` (and nothing else is exported
 *     for tests);
 *   - suites on the local cluster live in `src/e2e/` and are named `*.e2e.spec.ts`;
 *   - suites that need several projects (a real apiserver behind a library or another app) live in
 *     the integration project and are named `*.integration.spec.ts`; every other spec is `*.spec.ts`
 *     beside the code it tests;
 *   - source never imports test code, and helper code outside those folders is not allowed (a
 *     non-spec file that imports vitest or a `testing` entry is test code in the wrong place);
 *     bench scripts, harnesses run by hand, may use test helpers (real servers, the cluster driver);
 *   - every bench script is type-checked with its project.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allFiles, importsOf, inTestFolder, isBench, isTestCode, readProjects, rel } from './projects.js';

const projects = readProjects();

/** An import of test code: a `<package>/testing` entry, runtime's shared helpers, vitest, or a relative path into testing/. */
function importsTestCode(spec: string): boolean {
  return /^@minimesh\/[^/]+\/testing$/.test(spec) || spec === 'vitest' || /(^|\/)testing(\/|$)/.test(spec.startsWith('.') ? spec : '');
}

describe('test layout', () => {
  it('layout - ./testing exports point at src/testing/index.ts, and nothing else is exported for tests', () => {
    const bad: string[] = [];
    for (const p of projects) {
      for (const [name, target] of Object.entries(p.exports)) {
        if (name === './testing' && target !== './src/testing/index.ts') bad.push(`${p.packageName}: ./testing → ${target}`);
        if (name !== './testing' && /test|fixture|support/i.test(`${name} ${target}`)) bad.push(`${p.packageName}: ${name} → ${target}`);
        if (!existsSync(join(p.dir, target))) bad.push(`${p.packageName}: ${name} → ${target} does not exist`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('layout - test helpers only in src/testing or src/e2e; source never imports test code', () => {
    const bad: string[] = [];
    for (const p of projects) {
      if (p.type === 'test') continue; // the checks themselves are all test code
      for (const f of allFiles(p)) {
        if (isTestCode(p, f) || isBench(p, f)) continue;
        for (const spec of importsOf(f)) {
          if (importsTestCode(spec)) bad.push(`${rel(f)} imports ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('layout - spec names: *.e2e.spec.ts exactly in src/e2e, *.integration.spec.ts exactly in the integration project', () => {
    const bad: string[] = [];
    for (const p of projects) {
      for (const f of allFiles(p).filter((x) => x.endsWith('.spec.ts'))) {
        const name = basename(f);
        const e2e = name.endsWith('.e2e.spec.ts');
        const integration = name.endsWith('.integration.spec.ts');
        const inE2e = inTestFolder(p, f) && relative(p.dir, f).startsWith(join('src', 'e2e'));
        if (e2e !== inE2e) bad.push(`${rel(f)}: e2e suites are src/e2e/*.e2e.spec.ts`);
        if (!e2e && integration !== (p.type === 'integration')) bad.push(`${rel(f)}: integration suites are *.integration.spec.ts in the integration project`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('layout - every bench script is type-checked with its project', () => {
    const bad: string[] = [];
    for (const p of projects) {
      const benches = allFiles(p).filter((f) => isBench(p, f));
      if (benches.length === 0) continue;
      const tsconfig = JSON.parse(readFileSync(join(p.dir, 'tsconfig.json'), 'utf8')) as { include?: string[] };
      if (!(tsconfig.include ?? []).includes('bench/**/*.ts')) bad.push(`${rel(p.dir)}/tsconfig.json does not include bench/**/*.ts`);
    }
    expect(bad).toEqual([]);
  });
});

describe('app layout', () => {
  it('apps - every server app is src/main.ts (runApp: flags, start, stop) over src/app.ts (the assembly)', () => {
    const bad: string[] = [];
    for (const p of projects.filter((x) => x.type === 'app')) {
      const main = join(p.dir, 'src', 'main.ts');
      if (!existsSync(main) || !readFileSync(main, 'utf8').includes('runApp(')) continue;
      if (!existsSync(join(p.dir, 'src', 'app.ts'))) bad.push(`${rel(p.dir)} has no src/app.ts`);
      else if (!readFileSync(main, 'utf8').includes("from './app.js'")) bad.push(`${rel(main)} does not start the app from ./app.js`);
    }
    expect(bad).toEqual([]);
  });
});
