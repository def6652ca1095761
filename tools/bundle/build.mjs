#!/usr/bin/env node
/**
 * Bundles every minimesh program for `launch` (libs/runtime/src/launch.mjs): for each workspace
 * with bin/*.mjs files, the entry points they launch become one ES module each in the workspace's
 * dist/ (shared code in chunks beside them), built by esbuild from the TypeScript sources of the
 * workspace and the libraries it imports. npm packages stay outside (Node loads them from
 * node_modules, as it does for the sources); `import.meta.url` keeps meaning the source file's
 * URL, so files found relative to a source (the BPF objects, the proto schemas) are still found.
 * dist/manifest.json lists the entries and the size, modification time and SHA-256 of every
 * source that went in: a bundle whose sources changed is not used. Each build goes to a folder of
 * its own (dist/build-<id>/) and the manifest is swapped in one rename, so a program that is
 * starting or running keeps the files it loaded; builds older than an hour are removed.
 *
 *   node tools/bundle/build.mjs [WORKSPACE_DIR...]     (default: every workspace with a bin/)
 *
 * tools/setup.sh runs it (about 2 s for every program), also while programs run or start.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { MANIFEST, fingerprint, fingerprintOf } from '../../libs/runtime/src/launch.mjs';

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
    if (!hit) continue;
    const entry = resolve(bin, hit[1]);
    // The bundle's files sit side by side in one folder: an entry point is a file of src/ itself.
    if (dirname(entry) !== join(dir, 'src')) throw new Error(`${join(bin, f)}: the entry point ${hit[1]} is not a file directly in src/`);
    entries.push(entry);
  }
  return entries;
}

/**
 * Workspace packages (@minimesh/*) are bundled from their sources; every other bare import is left
 * to Node, which looks for it from the bundle's location: it must find the same copy there as
 * from the importing source (no nested copy of another version next to a library).
 */
function externalPackages(dist) {
  return {
    name: 'external-packages',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('@minimesh/')) return undefined;
        const name = args.path.startsWith('node:') ? args.path : args.path.split('/').slice(0, args.path.startsWith('@') ? 2 : 1).join('/');
        if (name.startsWith('node:') || BUILTINS.has(name)) return { path: args.path, external: true };
        const fromSource = nearestUp(args.resolveDir, join('node_modules', name));
        const fromBundle = nearestUp(dist, join('node_modules', name));
        if (!fromSource || fromSource !== fromBundle) return { errors: [{ text: `${name}: the bundle would load ${fromBundle ?? 'nothing'}, the source loads ${fromSource ?? 'nothing'}` }] };
        return { path: args.path, external: true };
      });
    },
  };
}

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

/**
 * Loads every source itself, to fingerprint exactly the bytes that are compiled (size and time
 * taken before the read: a file saved meanwhile is never recorded as what the bundle holds), and
 * makes `import.meta.url` in a source that source's URL, computed from the bundle's own.
 */
function loadSources(outdir, fingerprints) {
  return {
    name: 'load-sources',
    setup(build) {
      build.onLoad({ filter: /\.(?:[mc]?ts|[mc]?js|json)$/ }, (args) => {
        const st = statSync(args.path);
        const bytes = readFileSync(args.path);
        fingerprints.set(args.path, fingerprintOf(st, bytes));
        let text = bytes.toString('utf8');
        const other = /import\.meta\.(?!url\b)\w+/.exec(text);
        if (other) return { errors: [{ text: `${other[0]} is not supported in a bundled source (use import.meta.url)` }] };
        if (text.includes('import.meta.url')) text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(posix(relative(outdir, args.path)))}, import.meta.url).href`);
        return { contents: text, loader: LOADERS[extname(args.path)] };
      });
    },
  };
}

/** The base tsconfig, and the package.json and tsconfig.json of every workspace beside `dir`'s. */
function configFiles(dir) {
  const base = nearestUp(dir, 'tsconfig.base.json');
  if (!base) return [];
  const root = dirname(base);
  const files = [base];
  for (const top of ['apps', 'libs', 'tools']) {
    if (!existsSync(join(root, top))) continue;
    for (const d of readdirSync(join(root, top))) for (const f of ['package.json', 'tsconfig.json']) if (existsSync(join(root, top, d, f))) files.push(join(root, top, d, f));
  }
  return files;
}

/** Builds older than an hour are removed, the two newest always kept (a running program may still load a chunk). */
const KEEP_BUILDS_MS = 3600_000;

export async function bundle(dir) {
  const entries = entriesOf(dir);
  if (!entries.length) return undefined;
  const dist = join(dir, 'dist');
  const id = `build-${Date.now().toString(36)}-${process.pid}`;
  const outdir = join(dist, id);
  mkdirSync(outdir, { recursive: true });
  try {
    // Configuration first (a change during the build leaves the manifest stale, not the bundle).
    const configs = new Map(configFiles(dir).map((f) => [f, fingerprint(f)]));
    const fingerprints = new Map();
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: entries,
      outdir,
      outbase: join(dir, 'src'),
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Class and function names as in the sources (error names, log components), whatever the bundle renames.
      keepNames: true,
      // For NODE_OPTIONS=--enable-source-maps (stack traces in the sources); not loaded otherwise.
      sourcemap: 'linked',
      sourcesContent: false,
      metafile: true,
      logLevel: 'error',
      plugins: [externalPackages(dist), loadSources(outdir, fingerprints)],
    });
    // Every source that went in, and what decides how sources are found and compiled: the base
    // tsconfig, and the package.json (exports) and tsconfig.json of each workspace involved.
    const inputs = {};
    const record = (abs, fp) => (inputs[posix(relative(dist, abs))] = fp);
    const base = [...configs.keys()].find((f) => f.endsWith('tsconfig.base.json'));
    if (base) record(base, configs.get(base));
    for (const file of Object.keys(result.metafile.inputs)) {
      const abs = resolve(ROOT, file);
      record(abs, fingerprints.get(abs) ?? fingerprint(abs));
      const pkg = nearestUp(dirname(abs), 'package.json');
      for (const config of pkg ? [pkg, join(dirname(pkg), 'tsconfig.json')] : []) if (configs.has(config)) record(config, configs.get(config));
    }
    const entriesMap = {};
    for (const e of entries) entriesMap[posix(relative(dist, e))] = `${id}/${posix(relative(join(dir, 'src'), e)).replace(/\.ts$/, '.js')}`;
    const sorted = Object.fromEntries(Object.entries(inputs).sort(([a], [b]) => (a < b ? -1 : 1)));
    // The manifest is replaced in one rename: a program starting meanwhile reads the old or the new.
    const tmp = join(dist, `${MANIFEST}.${id}`);
    writeFileSync(tmp, `${JSON.stringify({ entries: entriesMap, inputs: sorted }, null, 1)}\n`);
    renameSync(tmp, join(dist, MANIFEST));
    removeOldBuilds(dist, id);
    return { dir: relative(ROOT, dir), entries: entries.length, inputs: Object.keys(sorted).length };
  } catch (e) {
    rmSync(outdir, { recursive: true, force: true });
    throw e;
  }
}

function removeOldBuilds(dist, current) {
  const builds = readdirSync(dist, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith('build-') && d.name !== current)
    .map((d) => ({ path: join(dist, d.name), mtime: statSync(join(dist, d.name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const [i, b] of builds.entries()) if (i >= 1 && b.mtime < Date.now() - KEEP_BUILDS_MS) rmSync(b.path, { recursive: true, force: true });
  // Manifests of builds that never finished.
  for (const f of readdirSync(dist)) if (f.startsWith(`${MANIFEST}.build-`) && statSync(join(dist, f)).mtimeMs < Date.now() - KEEP_BUILDS_MS) rmSync(join(dist, f), { force: true });
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
