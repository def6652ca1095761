/**
 * Reads the workspace's projects: name, folder, tags, package exports, and their TypeScript files
 * sorted into what they are:
 *   - source: `src/**` that is not test code;
 *   - test code: `*.spec.ts` files, and helpers in `src/testing/` (a project's test helpers, exported
 *     as `<package>/testing`) and `src/e2e/` (suites on the local cluster);
 *   - bench: `bench/**` scripts (type-checked like source, run by hand).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Project {
  packageName: string;
  dir: string;
  tags: string[];
  type: string;
  scope: string;
  exports: Record<string, string>;
}

export function readProjects(): Project[] {
  const out: Project[] = [];
  for (const group of ['apps', 'libs', 'tools']) {
    const base = join(ROOT, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgPath = join(base, name, 'package.json');
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string; nx?: { tags?: string[] }; exports?: Record<string, string> };
      const tags = pkg.nx?.tags ?? [];
      out.push({
        packageName: pkg.name,
        dir: join(base, name),
        tags,
        type: tags.find((t) => t.startsWith('type:'))?.slice(5) ?? '',
        scope: tags.find((t) => t.startsWith('scope:'))?.slice(6) ?? '',
        exports: pkg.exports ?? {},
      });
    }
  }
  return out;
}

function walk(dir: string, out: string[]): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const full = join(dir, e);
    if (e === 'node_modules' || e === 'gen' || e === 'testdata') continue;
    if (statSync(full).isDirectory()) walk(full, out);
    else if (e.endsWith('.ts') && !e.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Every TypeScript file of a project: src/ and bench/ (generated code left out). */
export function allFiles(p: Project): string[] {
  return [...walk(join(p.dir, 'src'), []), ...walk(join(p.dir, 'bench'), [])];
}

/** `src/testing/...` or `src/e2e/...` of its project. */
export function inTestFolder(p: Project, file: string): boolean {
  const parts = relative(p.dir, file).split(sep);
  return parts[0] === 'src' && (parts[1] === 'testing' || parts[1] === 'e2e');
}

export function isTestCode(p: Project, file: string): boolean {
  return file.endsWith('.spec.ts') || inTestFolder(p, file);
}

export function isBench(p: Project, file: string): boolean {
  return relative(p.dir, file).split(sep)[0] === 'bench';
}

/** Non-test, non-generated source files of a project. */
export function sourceFiles(p: Project): string[] {
  return allFiles(p).filter((f) => !isTestCode(p, f) && !isBench(p, f));
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) found.push((m[1] ?? m[2])!);
  return found;
}

export function rel(file: string): string {
  return relative(ROOT, file);
}
