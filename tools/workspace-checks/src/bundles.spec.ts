/**
 * The programs' bundles (tools/bundle/build.mjs, run by set-up): every bin launches an entry point
 * through `launch`, the bundler makes a bundle that runs in plain Node with `import.meta.url`
 * still naming the source file, and after a build every bin runs from its bundle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@minimesh/runtime/testing';
// @ts-expect-error plain JavaScript, no declarations
import { bundle, entriesOf } from '../../bundle/build.mjs';
// @ts-expect-error plain JavaScript, no declarations
import { freshBundle } from '../../../libs/runtime/src/launch.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKSPACES = ['apps', 'tools'].flatMap((top) => readdirSync(join(ROOT, top)).map((d) => join(ROOT, top, d))).filter((d) => {
  try {
    return readdirSync(join(d, 'bin')).some((f) => f.endsWith('.mjs'));
  } catch {
    return false;
  }
});

describe('bundles', () => {
  let dir: { path: string; remove(): void } | undefined;
  afterEach(() => dir?.remove());

  it('every bin file launches its entry point through @minimesh/runtime/launch', () => {
    const bad: string[] = [];
    for (const ws of WORKSPACES) {
      for (const f of readdirSync(join(ws, 'bin')).filter((f) => f.endsWith('.mjs'))) {
        const text = readFileSync(join(ws, 'bin', f), 'utf8');
        if (!text.includes("from '@minimesh/runtime/launch'") || !/launch\(import\.meta\.url, '\.\.\/src\/[\w-]+\.ts'\)/.test(text)) bad.push(`${ws}/bin/${f}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('a bundle runs in plain Node, import.meta.url names the source, and it goes stale when a source changes', async () => {
    dir = tempDir('minimesh-bundle-');
    const ws = join(dir.path, 'apps', 'hello');
    mkdirSync(join(ws, 'bin'), { recursive: true });
    mkdirSync(join(ws, 'src', 'deep'), { recursive: true });
    writeFileSync(join(ws, 'bin', 'hello.mjs'), "import { launch } from '@minimesh/runtime/launch';\nawait launch(import.meta.url, '../src/main.ts');\n");
    writeFileSync(join(ws, 'src', 'deep', 'where.ts'), "import { basename } from 'node:path';\nexport class Where { static of(): string { return new URL('.', import.meta.url).pathname; } }\nexport const file = basename(new URL(import.meta.url).pathname);\n");
    writeFileSync(join(ws, 'src', 'main.ts'), "import { Where, file } from './deep/where.js';\nconst n: number = 2;\nconsole.log(JSON.stringify({ dir: Where.of(), file, name: Where.name, n }));\n");
    expect(entriesOf(ws)).toEqual([join(ws, 'src', 'main.ts')]);
    await bundle(ws);
    const main = join(ws, 'src', 'main.ts');
    const first = freshBundle(main) as string;
    expect(first).toMatch(new RegExp(`^${join(ws, 'dist')}/build-[a-z0-9-]+/main\\.js$`));
    const out = JSON.parse(execFileSync(process.execPath, [first], { encoding: 'utf8' }));
    expect(out).toEqual({ dir: pathToFileURL(join(ws, 'src', 'deep')).pathname + '/', file: 'where.ts', name: 'Where', n: 2 });
    writeFileSync(join(ws, 'src', 'deep', 'where.ts'), "export class Where { static of(): string { return 'changed'; } }\nexport const file = '';\n");
    expect(freshBundle(main)).toBeUndefined();
    // A new build goes to a folder of its own: a program still running the first keeps its files.
    await bundle(ws);
    expect(freshBundle(main)).not.toBe(first);
    expect(existsSync(first)).toBe(true);
    expect(JSON.parse(execFileSync(process.execPath, [freshBundle(main) as string], { encoding: 'utf8' })).dir).toBe('changed');
  });

  it('a source the bundle cannot keep its meaning for is refused with a clear error', async () => {
    dir = tempDir('minimesh-bundle-');
    const ws = join(dir.path, 'apps', 'bad');
    mkdirSync(join(ws, 'bin'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, 'bin', 'bad.mjs'), "import { launch } from '@minimesh/runtime/launch';\nawait launch(import.meta.url, '../src/main.ts');\n");
    writeFileSync(join(ws, 'src', 'main.ts'), 'console.log(import.meta.dirname);\n');
    await expect(bundle(ws)).rejects.toThrow(/import\.meta\.dirname is not supported/);
    expect(existsSync(join(ws, 'dist', 'manifest.json'))).toBe(false);
    writeFileSync(join(ws, 'bin', 'bad.mjs'), "await launch(import.meta.url, '../src/sub/main.ts');\n");
    expect(() => entriesOf(ws)).toThrow(/not a file directly in src/);
  });

  it('after a build, every bin of the repository runs from its bundle', async () => {
    for (const ws of WORKSPACES) await bundle(ws);
    const stale: string[] = [];
    for (const ws of WORKSPACES) for (const entry of entriesOf(ws)) if (!freshBundle(entry)) stale.push(entry);
    expect(stale).toEqual([]);
    const help = execFileSync(process.execPath, [join(ROOT, 'apps/meshctl/bin/meshctl.mjs'), '--help'], { encoding: 'utf8', env: { ...process.env, MINIMESH_FROM_SOURCE: '' } });
    const fromSource = execFileSync(process.execPath, [join(ROOT, 'apps/meshctl/bin/meshctl.mjs'), '--help'], { encoding: 'utf8', env: { ...process.env, MINIMESH_FROM_SOURCE: '1' } });
    expect(help).toBe(fromSource);
  }, 120_000);
});
