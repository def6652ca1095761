/**
 * The OpenAPI v2 document in the protobuf form client-go asks for
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): gnostic's openapi.v2.Document
 * (github.com/google/gnostic-models, openapiv2/OpenAPIv2.proto), written for the parts
 * openapi-v2.ts produces: info, paths with their operations and responses, definitions with
 * their schemas. Maps are lists of (name, value) pairs in the document's order; every `x-`
 * extension is a NamedAny whose `yaml` holds the value (JSON is YAML).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Protobuf wire format, the two field types needed here: varints and length-delimited bytes. */
class Writer {
  private readonly parts: Buffer[] = [];

  private varint(n: number): void {
    const bytes: number[] = [];
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n = Math.floor(n / 128);
    }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
  }

  bytes(no: number, b: Buffer): this {
    this.varint((no << 3) | 2);
    this.varint(b.length);
    this.parts.push(b);
    return this;
  }

  string(no: number, s: string | undefined): this {
    return s ? this.bytes(no, Buffer.from(s, 'utf8')) : this;
  }

  strings(no: number, list: Json | undefined): this {
    if (Array.isArray(list)) for (const s of list) this.string(no, String(s));
    return this;
  }

  bool(no: number, v: boolean): this {
    if (!v) return this;
    this.varint(no << 3);
    this.varint(1);
    return this;
  }

  message(no: number, write: (w: Writer) => void): this {
    const w = new Writer();
    write(w);
    return this.bytes(no, w.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: Json | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/** An openapi.v2.Any: the value as YAML text. */
const anyOf = (value: Json) => (w: Writer) => w.string(2, `${JSON.stringify(value)}\n`);

/** The `x-` keys of an object as NamedAny entries in field `no`. */
function extensions(w: Writer, no: number, o: JsonObject): void {
  for (const [name, value] of Object.entries(o)) {
    if (name.startsWith('x-')) w.message(no, (e) => e.string(1, name).message(2, anyOf(value)));
  }
}

function schema(w: Writer, s: JsonObject): void {
  w.string(1, str(s.$ref)).string(2, str(s.format)).string(3, str(s.title)).string(4, str(s.description));
  w.strings(19, s.required);
  if (Array.isArray(s.enum)) for (const v of s.enum) w.message(20, anyOf(v));
  const extra = s.additionalProperties;
  if (isObject(extra)) w.message(21, (a) => a.message(1, (x) => schema(x, extra)));
  else if (typeof extra === 'boolean') w.message(21, (a) => a.bool(2, extra));
  if (typeof s.type === 'string') w.message(22, (t) => t.string(1, s.type as string));
  const items = s.items;
  if (isObject(items)) w.message(23, (i) => i.message(1, (x) => schema(x, items)));
  if (Array.isArray(s.allOf)) for (const part of s.allOf) if (isObject(part)) w.message(24, (x) => schema(x, part));
  const props = s.properties;
  if (isObject(props)) {
    w.message(25, (p) => {
      for (const [name, value] of Object.entries(props)) if (isObject(value)) p.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, value)));
    });
  }
  extensions(w, 31, s);
}

function operation(w: Writer, op: JsonObject): void {
  w.string(3, str(op.description)).string(5, str(op.operationId)).strings(6, op.produces).strings(7, op.consumes);
  const responses = op.responses;
  if (isObject(responses)) {
    w.message(9, (rs) => {
      for (const [code, r] of Object.entries(responses)) {
        if (!isObject(r)) continue;
        rs.message(1, (named) =>
          named.string(1, code).message(2, (value) =>
            value.message(1, (resp) => {
              resp.string(1, str(r.description));
              const body = r.schema;
              if (isObject(body)) resp.message(2, (item) => item.message(1, (x) => schema(x, body)));
            }),
          ),
        );
      }
    });
  }
  extensions(w, 13, op);
}

const PATH_ITEM_FIELDS: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

/** The document (openapi-v2.ts) as an openapi.v2.Document. */
export function encodeOpenApiV2(doc: JsonObject): Buffer {
  const w = new Writer();
  w.string(1, str(doc.swagger));
  const info = doc.info;
  if (isObject(info)) w.message(2, (i) => i.string(1, str(info.title)).string(2, str(info.version)));
  const paths = doc.paths;
  if (isObject(paths)) {
    w.message(8, (p) => {
      for (const [path, item] of Object.entries(paths)) {
        if (!isObject(item)) continue;
        p.message(2, (named) =>
          named.string(1, path).message(2, (pi) => {
            for (const [method, op] of Object.entries(item)) if (PATH_ITEM_FIELDS[method] && isObject(op)) pi.message(PATH_ITEM_FIELDS[method], (o) => operation(o, op));
          }),
        );
      }
    });
  }
  const definitions = doc.definitions;
  if (isObject(definitions)) {
    w.message(9, (d) => {
      for (const [name, s] of Object.entries(definitions)) if (isObject(s)) d.message(1, (n) => n.string(1, name).message(2, (x) => schema(x, s)));
    });
  }
  extensions(w, 16, doc);
  return w.finish();
}
