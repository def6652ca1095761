/**
 * Reading manifests: files, directories (.yaml, .yml, .json; `-R` recurses) and `-` for stdin.
 * Multi-document YAML, empty documents skipped, `kind: List` expanded into its items; an unreadable
 * document ends its stream, the documents before it still count (as in kubectl). YAML is read
 * with 1.1 rules as Kubernetes' YAML reader does (`yes` is a boolean, `0777` octal), but dates
 * and `1:20` stay strings.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { CliError } from '../cli/errors.js';
import { aliasProblem } from './alias-problem.js';
import { pushAll } from '@minimesh/api';

export interface ManifestDocument {
  /** As kubectl names it in messages: the path as given (`dir/svc.yaml`) or `STDIN`. */
  source: string;
  value: unknown;
}

/** One document that could not be read: reported, while the others still apply. */
export interface ManifestProblem {
  source: string;
  error: Error;
}

export interface LoadedManifests {
  documents: ManifestDocument[];
  problems: ManifestProblem[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

const GO_YAML_TAGS_DROPPED = new Set(['tag:yaml.org,2002:timestamp']);

function yamlTags(tags: YAML.Tags): YAML.Tags {
  return tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    if (tag.tag && GO_YAML_TAGS_DROPPED.has(tag.tag)) return false;
    // Sexagesimal numbers (`1:20`) are YAML 1.1 but not what Kubernetes' reader produces.
    return tag.format !== 'TIME';
  });
}

function parseAll(text: string, source: string) {
  try {
    return YAML.parseAllDocuments(text, { version: '1.1', customTags: yamlTags });
  } catch (e) {
    if (e instanceof RangeError) throw new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: document nested too deeply`);
    throw e;
  }
}

/** The parser ran out of stack (deep nesting): in its own error, or in one it caught on the way. */
const OUT_OF_STACK = /Maximum call stack size exceeded/;

/**
 * The line of `text` where the document holding `line` starts counting, as kubectl's YAML reader
 * splits a stream (at lines starting with `---`, then whitespace or a comment): 0 for the first
 * document, else the separator's line. Go's YAML errors number lines within the document.
 */
function documentLineOffset(text: string, line: number): number {
  const lines = text.split('\n');
  for (let i = Math.min(line - 1, lines.length) - 1; i >= 0; i--) {
    if (/^---(\s|#|$)/.test(lines[i]!)) return i + 1;
  }
  return 0;
}

/** The documents of a stream up to the first unreadable one, and why that one is unreadable. */
export interface ParsedStream {
  documents: ManifestDocument[];
  error?: CliError;
}

/**
 * Reads a stream document by document, as kubectl does: the documents before an unreadable one are
 * kept (kubectl applies them), the stream stops at it, and its error numbers lines within it.
 */
export function readDocuments(text: string, source: string): ParsedStream {
  const out: ManifestDocument[] = [];
  let docs: ReturnType<typeof parseAll>;
  try {
    docs = parseAll(text, source);
  } catch (e) {
    if (e instanceof CliError) return { documents: out, error: e };
    throw e;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const at = err.linePos?.[0]?.line;
      const line = at ? at - documentLineOffset(text, at) : undefined;
      // Where the stack runs out depends on the caller; the message names the cause, not the symptom.
      const msg = OUT_OF_STACK.test(err.message) ? 'document nested too deeply' : err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      return { documents: out, error: new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: ${line ? `line ${line}: ` : ''}${msg}`) };
    }
    let value: unknown;
    try {
      value = documentValue(doc, source);
    } catch (e) {
      if (e instanceof CliError) return { documents: out, error: e };
      throw e;
    }
    if (value === null || value === undefined) continue;
    if (isList(value)) {
      for (const item of (value as { items?: unknown[] }).items ?? []) {
        if (item !== null && item !== undefined) out.push({ source, value: item });
      }
      continue;
    }
    out.push({ source, value });
  }
  return { documents: out };
}

/** Every document of a stream; throws if any is unreadable. */
export function parseDocuments(text: string, source: string): ManifestDocument[] {
  const { documents, error } = readDocuments(text, source);
  if (error) throw error;
  return documents;
}

/** The document as plain data; aliases checked first, as Go's YAML reader checks them. */
function documentValue(doc: YAML.Document.Parsed, source: string): unknown {
  const refuse = (msg: string) => new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: ${msg}`);
  const problem = aliasProblem(doc);
  if (problem !== undefined) throw refuse(problem);
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    if (e instanceof RangeError) throw refuse('document nested too deeply');
    throw e;
  }
}

function isList(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items) && (v.apiVersion === 'v1' || v.apiVersion === undefined || typeof v.apiVersion === 'string');
}

function filesOf(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive) pushAll(out, filesOf(full, recursive));
    } else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name))) {
      out.push(full);
    }
  }
  return out;
}

export interface LoadOptions {
  recursive?: boolean;
  cwd?: string;
  readStdin?: () => Promise<string>;
}

/** Every document of every `-f` argument, in order. A missing path fails the whole command, as in kubectl. */
export async function loadManifests(filenames: readonly string[], opts: LoadOptions = {}): Promise<LoadedManifests> {
  const documents: ManifestDocument[] = [];
  const problems: ManifestProblem[] = [];
  const read = (text: string, source: string): void => {
    const parsed = readDocuments(text, source);
    pushAll(documents, parsed.documents);
    if (parsed.error) problems.push({ source, error: parsed.error });
  };
  for (const name of filenames) {
    if (name === '-') {
      if (!opts.readStdin) throw new CliError('reading from stdin is not supported here');
      read(await opts.readStdin(), 'STDIN');
      continue;
    }
    if (/^https?:\/\//.test(name)) throw new CliError(`unable to read URL "${name}": URLs are not supported by meshctl`);
    const full = path.resolve(opts.cwd ?? process.cwd(), name);
    let isDir: boolean;
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      throw new CliError(`the path "${name}" does not exist`);
    }
    if (isDir) {
      for (const file of filesOf(full, !!opts.recursive)) {
        read(readFileSync(file, 'utf8'), path.join(name, path.relative(full, file)));
      }
    } else {
      read(readFileSync(full, 'utf8'), name);
    }
  }
  return { documents, problems };
}
