/**
 * Request bodies: read with kube-apiserver's 3 MiB limit, decoded as the kind the URL names, and
 * checked against the URL the way kube-apiserver checks them (kind and apiVersion, namespace,
 * name on an update).
 */
import type { IncomingMessage } from 'node:http';
import { BadRequestError, RequestEntityTooLargeError, UnsupportedMediaTypeError, type KindInfo, type KubeObject } from '@minimesh/api';
import { PROTOBUF_CONTENT_TYPE, decodeProtobufObject } from './k8s-protobuf.js';
import { MAX_REQUEST_BYTES, decodeKnownFields } from '@minimesh/wire';

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_REQUEST_BYTES) throw new RequestEntityTooLargeError(`Request entity too large: limit is ${MAX_REQUEST_BYTES}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw new RequestEntityTooLargeError(`Request entity too large: limit is ${MAX_REQUEST_BYTES}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The media type of a request body, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** kube-apiserver's `fieldValidation`: what an unknown field in a body does (Warn when not said). */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/**
 * A document read as kind `info.kind` with the strict decoder: wrong types and times Go would not
 * parse are a 400 in every mode; unknown fields are a 400 under Strict, dropped with a warning
 * (`unknown field "spec.foo"`) under Warn, dropped silently under Ignore. The result is what a
 * Go server holds after decoding: nulls gone, a null in a list its element's zero value, times in UTC.
 */
export function decodeFields(input: Record<string, unknown>, info: KindInfo, mode: FieldValidation, warnings: string[]): KubeObject {
  // managedFields are the server's: what a client sends there is not checked, and not kept.
  const meta = input.metadata;
  let doc = input;
  if (meta && typeof meta === 'object' && 'managedFields' in meta) {
    const { managedFields: _ignored, ...rest } = meta as Record<string, unknown>;
    doc = { ...input, metadata: rest };
  }
  const { object, unknown } = decodeKnownFields(info.kind, doc);
  if (unknown.length > 0 && mode === 'Strict') {
    const version = info.apiVersion.split('/').pop()!;
    throw new BadRequestError(`${info.kind} in version "${version}" cannot be handled as a ${info.kind}: strict decoding error: ${unknown.map((p) => `unknown field "${p}"`).join(', ')}`);
  }
  if (mode === 'Warn') for (const p of unknown) warnings.push(`unknown field "${p}"`);
  return object;
}

/** The object of a create or update (JSON, or protobuf for the kinds k8s-protobuf.ts reads), as the kind `info`, its fields checked as `mode` says. */
export function decodeObject(body: Buffer, type: string, info: KindInfo, mode: FieldValidation = 'Ignore', warnings: string[] = []): KubeObject {
  if (type !== 'application/json' && type !== '*/*' && type !== PROTOBUF_CONTENT_TYPE) {
    throw new UnsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: application/json, application/vnd.kubernetes.protobuf`);
  }
  const unrecognized = (why: string) => new BadRequestError(`the object provided is unrecognized (must be of type ${info.kind}): ${why}`);
  let doc: unknown;
  if (type === PROTOBUF_CONTENT_TYPE) {
    doc = decodeProtobufObject(body);
  } else {
    try {
      doc = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw unrecognized(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw unrecognized(`couldn't get version/kind; json parse error: expected an object`);
  const o = doc as Record<string, unknown>;
  const kind = o.kind ?? info.kind;
  const apiVersion = o.apiVersion ?? info.apiVersion;
  if (kind !== info.kind || apiVersion !== info.apiVersion) {
    throw new BadRequestError(`${String(kind)} in version "${String(apiVersion).split('/').pop()}" cannot be handled as a ${info.kind}: the kind or version does not match the URL (${info.apiVersion}, ${info.kind})`);
  }
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata))) {
    throw unrecognized('metadata must be an object');
  }
  return decodeFields({ ...o, kind, apiVersion }, info, mode, warnings);
}

/** Fills in or checks the namespace and name the URL gives. */
export function matchUrl(obj: KubeObject, info: KindInfo, namespace: string, name: string): KubeObject {
  const meta = { ...obj.metadata };
  if (info.namespaced) {
    if (!meta.namespace) meta.namespace = namespace;
    else if (namespace && meta.namespace !== namespace) throw new BadRequestError('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (name) {
    if (!meta.name) meta.name = name;
    else if (meta.name !== name) throw new BadRequestError(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  return { ...obj, metadata: meta } as KubeObject;
}
