import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript (it runs before TypeScript can be compiled), no declarations
import { MANIFEST, fingerprint, freshBundle } from './launch.mjs';
import { tempDir } from './testing/index.js';

describe('launch: a bundle is used only while its sources are unchanged', () => {
  let dir: { path: string; remove(): void } | undefined;
  afterEach(() => dir?.remove());

  /** A workspace with src/main.ts and src/lib.ts, and a dist/ made from them. */
  function workspace() {
    dir = tempDir('minimesh-launch-');
    const ws = join(dir.path, 'apps', 'x');
    mkdirSync(join(ws, 'src'), { recursive: true });
    mkdirSync(join(ws, 'dist'));
    const main = join(ws, 'src', 'main.ts');
    const lib = join(ws, 'src', 'lib.ts');
    writeFileSync(main, "import './lib.js';\n");
    writeFileSync(lib, 'export const x = 1;\n');
    writeFileSync(join(ws, 'dist', 'main.js'), '');
    const manifest = { entries: { '../src/main.ts': 'main.js' }, inputs: { '../src/main.ts': fingerprint(main), '../src/lib.ts': fingerprint(lib) } };
    writeFileSync(join(ws, 'dist', MANIFEST), JSON.stringify(manifest));
    return { ws, main, lib };
  }

  it('fresh: the bundle of the entry point', () => {
    const { ws, main } = workspace();
    expect(freshBundle(main)).toBe(join(ws, 'dist', 'main.js'));
  });

  it('a source whose content changed (or that is gone) makes it stale', () => {
    const { main, lib } = workspace();
    writeFileSync(lib, 'export const x = 2;\n');
    expect(freshBundle(main)).toBeUndefined();
    writeFileSync(lib, 'export const x = 1;\n');
    expect(freshBundle(main)).toBeDefined();
    dir!.remove();
    expect(freshBundle(main)).toBeUndefined();
  });

  it('a source only touched or copied (same content, new time) keeps it fresh', () => {
    const { main, lib } = workspace();
    utimesSync(lib, new Date(), new Date(Date.now() + 60_000));
    expect(freshBundle(main)).toBeDefined();
  });

  it('a manifest whose build is gone: the sources run', () => {
    const { ws, main } = workspace();
    rmSync(join(ws, 'dist', 'main.js'));
    expect(freshBundle(main)).toBeUndefined();
  });

  it('no manifest, a corrupt one, or an entry it does not list: the sources run', () => {
    const { ws, main, lib } = workspace();
    expect(freshBundle(lib)).toBeUndefined();
    writeFileSync(join(ws, 'dist', MANIFEST), '{"entries":');
    expect(freshBundle(main)).toBeUndefined();
    writeFileSync(join(ws, 'dist', MANIFEST), JSON.stringify({ entries: { '../src/main.ts': 'main.js' }, inputs: { '../src/main.ts': [1, 2] } }));
    expect(freshBundle(main)).toBeUndefined();
  });
});
