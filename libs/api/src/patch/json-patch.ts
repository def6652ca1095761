/**
 * JSON patch (RFC 6902, `application/json-patch+json`): add, remove, replace, move, copy and test,
 * addressed by JSON pointers (RFC 6901). Failures are worded as evanphx/json-patch words them for
 * the apiserver: a path that is not there is a 400 (`jsonpatch add operation does not apply: doc is
 * missing path: "/a/b"`), a failed test a 422 (`testing value /a failed`).
 */
import { ApiError, BadRequestError } from '../errors/api-errors.js';
import { isPlainObject, jsonEqual, setMember, type JsonValue } from './json.js';

export interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: JsonValue;
}

/** 422 for a `test` operation that does not hold. */
export class PatchTestFailedError extends ApiError {
  constructor(path: string) {
    super({ code: 422, reason: 'Invalid', message: `testing value ${path} failed` });
    this.name = 'PatchTestFailedError';
  }
}

function parsePointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new BadRequestError(`jsonpatch: invalid path: ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonValue[] | Record<string, JsonValue>;

/** The container holding the last token of `tokens`, or undefined when a step is missing. */
function parentOf(doc: JsonValue, tokens: string[]): Container | undefined {
  let cur: JsonValue = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t, cur.length - 1);
      if (i === undefined) return undefined;
      cur = cur[i]!;
    } else if (isPlainObject(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, t)) return undefined;
      cur = cur[t]!;
    } else return undefined;
  }
  return Array.isArray(cur) || isPlainObject(cur) ? cur : undefined;
}

function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= max ? i : undefined;
}

function getAt(doc: JsonValue, tokens: string[]): { found: boolean; value?: JsonValue } {
  if (tokens.length === 0) return { found: true, value: doc };
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length - 1);
    return i === undefined ? { found: false } : { found: true, value: parent[i] };
  }
  if (parent && Object.prototype.hasOwnProperty.call(parent, last)) return { found: true, value: parent[last] };
  return { found: false };
}

function missing(op: string, path: string): BadRequestError {
  return new BadRequestError(`jsonpatch ${op} operation does not apply: doc is missing path: ${JSON.stringify(path)}`);
}

function add(doc: JsonValue, tokens: string[], value: JsonValue, op: string, path: string): JsonValue {
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : arrayIndex(last, parent.length);
    if (i === undefined) throw new BadRequestError(`jsonpatch ${op} operation does not apply: index out of bounds: ${JSON.stringify(path)}`);
    parent.splice(i, 0, value);
  } else if (parent) {
    setMember(parent, last, value);
  } else throw missing(op, path);
  return doc;
}

function remove(doc: JsonValue, tokens: string[], op: string, path: string): { doc: JsonValue; removed: JsonValue } {
  if (tokens.length === 0) throw new BadRequestError(`jsonpatch ${op} operation does not apply: cannot remove the whole document`);
  const parent = parentOf(doc, tokens);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = arrayIndex(last, parent.length - 1);
    if (i === undefined) throw missing(op, path);
    return { doc, removed: parent.splice(i, 1)[0]! };
  }
  if (parent && Object.prototype.hasOwnProperty.call(parent, last)) {
    const removed = parent[last]!;
    delete parent[last];
    return { doc, removed };
  }
  throw missing(op, path);
}

function operations(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new BadRequestError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return patch.map((raw, i) => {
    if (!isPlainObject(raw) || typeof raw.op !== 'string') throw new BadRequestError(`jsonpatch: operation ${i} has no "op"`);
    if (typeof raw.path !== 'string') throw new BadRequestError(`jsonpatch ${raw.op} operation does not apply: missing "path"`);
    return raw as unknown as JsonPatchOperation;
  });
}

/** Applies the operations in order to a copy of `target`; the first failure stops (nothing is applied). */
export function applyJsonPatch(target: unknown, patch: unknown): JsonValue {
  let doc = structuredClone(target) as JsonValue;
  for (const o of operations(patch)) {
    const tokens = parsePointer(o.path);
    switch (o.op) {
      case 'add':
        if (!('value' in o)) throw new BadRequestError(`jsonpatch add operation does not apply: missing "value"`);
        doc = add(doc, tokens, structuredClone(o.value!), 'add', o.path);
        break;
      case 'remove':
        doc = remove(doc, tokens, 'remove', o.path).doc;
        break;
      case 'replace': {
        if (!('value' in o)) throw new BadRequestError(`jsonpatch replace operation does not apply: missing "value"`);
        if (!getAt(doc, tokens).found) throw new BadRequestError(`jsonpatch replace operation does not apply: doc is missing key: ${o.path}`);
        if (tokens.length === 0) doc = structuredClone(o.value!);
        else doc = add(remove(doc, tokens, 'replace', o.path).doc, tokens, structuredClone(o.value!), 'replace', o.path);
        break;
      }
      case 'move': {
        const from = parsePointer(o.from ?? '');
        if (o.path.startsWith(`${o.from}/`)) throw new BadRequestError(`jsonpatch move operation does not apply: path ${o.path} is a child of ${o.from}`);
        const { doc: next, removed } = remove(doc, from, 'move', o.from ?? '');
        doc = add(next, tokens, removed, 'move', o.path);
        break;
      }
      case 'copy': {
        const src = getAt(doc, parsePointer(o.from ?? ''));
        if (!src.found) throw missing('copy', o.from ?? '');
        doc = add(doc, tokens, structuredClone(src.value!), 'copy', o.path);
        break;
      }
      case 'test': {
        const at = getAt(doc, tokens);
        const want = o.value ?? null;
        if (!(at.found ? jsonEqual(at.value, want) : want === null)) throw new PatchTestFailedError(o.path);
        break;
      }
      default:
        throw new BadRequestError(`Unexpected kind: ${o.op}`);
    }
  }
  return doc;
}
