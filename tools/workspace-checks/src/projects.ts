/** Reads the workspace's projects: name, folder, tags and the source files that import things. */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface Project {
  packageName: string;
  dir: string;
  tags: string[];
  type: string;
  scope: string;
}

export function readProjects(): Project[] {
  const out: Project[] = [];
  for (const group of ['apps', 'libs', 'tools']) {
    const base = join(ROOT, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgPath = join(base, name, 'package.json');
      if (!existsSync(pkgPath)) continue;
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string; nx?: { tags?: string[] } };
      const tags = pkg.nx?.tags ?? [];
      out.push({
        packageName: pkg.name,
        dir: join(base, name),
        tags,
        type: tags.find((t) => t.startsWith('type:'))?.slice(5) ?? '',
        scope: tags.find((t) => t.startsWith('scope:'))?.slice(6) ?? '',
      });
    }
  }
  return out;
}

/** Non-test, non-generated TypeScript files of a project (test helpers in test-support and e2e folders are test code). */
export function sourceFiles(p: Project): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir)) {
      const full = join(dir, e);
      if (e === 'node_modules' || e === 'gen' || e === 'testdata' || e === 'test-support' || e === 'test-support.ts' || e === 'e2e') continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (e.endsWith('.ts') && !e.endsWith('.spec.ts') && !e.endsWith('.d.ts')) files.push(full);
    }
  };
  const src = join(p.dir, 'src');
  if (existsSync(src)) walk(src);
  return files;
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
