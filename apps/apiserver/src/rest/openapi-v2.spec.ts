import { describe, expect, it } from 'vitest';
import { openApiV2Document, wantsOpenApiV2Protobuf } from './openapi-v2.js';
import { encodeOpenApiV2 } from './openapi-v2-protobuf.js';

/** The length-delimited fields of a protobuf message (what the document is made of), in order. */
function fields(buf: Buffer): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  let i = 0;
  const varint = () => {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    if ((key & 7) === 0) {
      out.push([key >>> 3, Buffer.from([varint()])]);
      continue;
    }
    const len = varint();
    out.push([key >>> 3, buf.subarray(i, i + len)]);
    i += len;
  }
  return out;
}
const field = (buf: Buffer, no: number) => fields(buf).filter(([n]) => n === no).map(([, b]) => b);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const doc = openApiV2Document() as any;

describe('OpenAPI v2', () => {
  it('is Swagger 2.0 with every kind\'s definition, marked with its group, version and kind', () => {
    expect([doc.swagger, doc.info.title]).toEqual(['2.0', 'Kubernetes']);
    expect(doc.definitions['io.k8s.api.core.v1.Service']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Service', version: 'v1' }]);
    expect(doc.definitions['io.k8s.api.discovery.v1.EndpointSlice']['x-kubernetes-group-version-kind']).toEqual([{ group: 'discovery.k8s.io', kind: 'EndpointSlice', version: 'v1' }]);
    expect(doc.definitions['io.k8s.api.core.v1.Service'].properties.spec).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.ServiceSpec' });
  });

  it('carries Kubernetes\' patch merge keys and list types, which kubectl\'s client-side apply reads', () => {
    expect(doc.definitions['io.k8s.api.core.v1.ServiceSpec'].properties.ports).toMatchObject({
      type: 'array',
      items: { $ref: '#/definitions/io.k8s.api.core.v1.ServicePort' },
      'x-kubernetes-list-map-keys': ['port', 'protocol'],
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-patch-merge-key': 'port',
      'x-kubernetes-patch-strategy': 'merge',
    });
    expect(doc.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers).toMatchObject({ 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' });
    expect(doc.definitions['io.k8s.api.core.v1.ServiceSpec'].properties.externalIPs['x-kubernetes-patch-merge-key']).toBeUndefined();
  });

  it('has each kind\'s object path with its actions', () => {
    const path = doc.paths['/api/v1/namespaces/{namespace}/services/{name}'];
    expect(Object.keys(path)).toEqual(['get', 'put', 'patch', 'delete']);
    expect(path.patch).toMatchObject({ operationId: 'patchService', 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': { group: '', kind: 'Service', version: 'v1' } });
    expect(path.patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(doc.paths['/api/v1/nodes/{name}'].get.operationId).toBe('readNode');
  });

  it('encodes as gnostic\'s openapi.v2.Document: version, info, one path item and one definition each', () => {
    const pb = encodeOpenApiV2(doc);
    expect(field(pb, 1).map(String)).toEqual(['2.0']);
    expect(field(field(pb, 2)[0]!, 1).map(String)).toEqual(['Kubernetes']);
    const paths = field(field(pb, 8)[0]!, 2);
    expect(paths.map((p) => String(field(p, 1)[0]))).toEqual(Object.keys(doc.paths));
    const definitions = field(field(pb, 9)[0]!, 1);
    expect(definitions.map((d) => String(field(d, 1)[0]))).toEqual(Object.keys(doc.definitions));
    // A vendor extension is a NamedAny whose Any holds the value as YAML (JSON).
    const service = definitions.find((d) => String(field(d, 1)[0]) === 'io.k8s.api.core.v1.Service')!;
    const ext = field(field(service, 2)[0]!, 31).map((e) => [String(field(e, 1)[0]), String(field(field(e, 2)[0]!, 2)[0])]);
    expect(ext).toEqual([['x-kubernetes-group-version-kind', '[{"group":"","kind":"Service","version":"v1"}]\n']]);
  });

  it('is protobuf for the Accept client-go sends, JSON otherwise', () => {
    expect(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2@v1.0+protobuf')).toBe(true);
    expect(wantsOpenApiV2Protobuf('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')).toBe(true);
    expect(wantsOpenApiV2Protobuf('application/json')).toBe(false);
    expect(wantsOpenApiV2Protobuf(undefined)).toBe(false);
  });
});
