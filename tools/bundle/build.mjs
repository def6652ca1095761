#!/usr/bin/env node
/**
 * Bundles every minimesh program for `launch` (libs/runtime/src/launch.mjs): for each workspace
 * with bin/*.mjs files, the entry points they launch become one ES module each in the workspace's
 * dist/ (shared code in chunks beside them), built by esbuild from the TypeScript sources of the
 * workspace and the libraries it imports. npm packages stay outside (Node loads them from
 * node_modules, as it does for the sources); `import.meta.url` keeps meaning the source file's
 * URL, so files found relative to a source (the BPF objects, the proto schemas) are still found.
 * dist/manifest.json lists the entries and the size, modification time and SHA-256 of every
 * source that went in: a bundle whose sources changed is not used.
 *
 *   node tools/bundle/build.mjs [WORKSPACE_DIR...]     (default: every workspace with a bin/)
 *
 * tools/setup.sh runs it; it takes a few seconds and is safe to run while programs start (a
 * program that finds no complete dist/ runs from its sources).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { MANIFEST, fingerprint } from '../../libs/runtime/src/launch.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const posix = (p) => p.split(sep).join('/');
const BUILTINS = new Set(builtinModules);

/** The entry points the bins of `dir` launch: `launch(import.meta.url, '../src/x.ts')`. */
export function entriesOf(dir) {
  const bin = join(dir, 'bin');
  if (!existsSync(bin)) return [];
  const entries = [];
  for (const f of readdirSync(bin).filter((f) => f.endsWith('.mjs'))) {
    const hit = /launch\(import\.meta\.url,\s*'([^']+)'\)/.exec(readFileSync(join(bin, f), 'utf8'));
    if (hit) entries.push(resolve(bin, hit[1]));
  }
  return entries;
}

/**
 * Workspace packages (@minimesh/*) are bundled from their sources; every other bare import is left
 * to Node, and must resolve to the top-level node_modules (where npm hoists it), since the bundle's
 * own location decides where Node looks.
 */
function externalPackages() {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@minimesh/')) return undefined;
        const name = args.path.startsWith('node:') ? args.path : args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
        if (name.startsWith('node:') || BUILTINS.has(name)) return { path: args.path, external: true };
        if (!existsSync(join(ROOT, 'node_modules', name))) return { errors: [{ text: `${name} is not in the top-level node_modules (a nested copy would not be found from dist/)` }] };
        return { path: args.path, external: true };
      });
    },
  };
}

/** `import.meta.url` in a source becomes that source's URL, computed from the bundle's own. */
function sourceUrls(outdir) {
  return {
    name: 'source-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = JSON.stringify(posix(relative(outdir, args.path)));
        return { contents: text.replaceAll('import.meta.url', `new URL(${rel}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

export async function bundle(dir) {
  const entries = entriesOf(dir);
  if (!entries.length) return undefined;
  const dist = join(dir, 'dist');
  const tmp = `${dist}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: entries,
    outdir: tmp,
    outbase: join(dir, 'src'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Class and function names as in the sources (error names, log components), whatever the bundle renames.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'error',
    plugins: [externalPackages(), sourceUrls(dist)],
  });
  // Every source that went in, and the files that decide how sources are found and compiled:
  // the package.json (exports) and tsconfig.json of each workspace involved, and the base tsconfig.
  const files = new Set();
  const base = nearestUp(dir, 'tsconfig.base.json');
  if (base) files.add(base);
  for (const file of Object.keys(result.metafile.inputs)) {
    const abs = resolve(ROOT, file);
    files.add(abs);
    const pkg = nearestUp(dirname(abs), 'package.json');
    for (const config of pkg ? [pkg, join(dirname(pkg), 'tsconfig.json')] : []) if (existsSync(config)) files.add(config);
  }
  const inputs = {};
  for (const abs of [...files].sort()) inputs[posix(relative(dist, abs))] = fingerprint(abs);
  const entriesMap = {};
  for (const e of entries) entriesMap[posix(relative(dist, e))] = posix(relative(join(dir, 'src'), e)).replace(/\.ts$/, '.js');
  writeFileSync(join(tmp, MANIFEST), `${JSON.stringify({ entries: entriesMap, inputs }, null, 1)}\n`);
  const old = `${dist}.old-${process.pid}`;
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  return { dir: relative(ROOT, dir), entries: entries.length, inputs: Object.keys(inputs).length };
}

/** `dir/name`, or the same in the nearest directory above that has one. */
function nearestUp(dir, name) {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, name))) return join(d, name);
    if (dirname(d) === d) return undefined;
  }
}

function workspaces() {
  return ['apps', 'tools'].flatMap((top) => readdirSync(join(ROOT, top), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(ROOT, top, d.name))).filter((d) => entriesOf(d).length);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : workspaces();
  const t0 = Date.now();
  const built = [];
  for (const d of dirs) {
    const r = await bundle(d);
    if (!r) {
      console.error(`bundle: ${relative(ROOT, d) || d} has no bin/*.mjs that launches an entry point`);
      process.exit(2);
    }
    built.push(`${r.dir} (${r.entries})`);
  }
  console.log(`bundled ${built.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
