import { describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { mapDocument } from './mapping.js';

const defaults = { namespace: 'default', enforce: false };

describe('mapDocument', () => {
  it('maps the served kinds in their apiVersions and fills in the namespace', () => {
    const m = mapDocument({ source: 's.yaml', value: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: {} } }, defaults);
    expect(m).toMatchObject({ kind: 'Service', name: 'x', namespace: 'default', object: { metadata: { name: 'x', namespace: 'default' } } });
    const ns = mapDocument({ source: 's.yaml', value: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } } }, { namespace: 'other', enforce: true });
    expect(ns).toMatchObject({ kind: 'Namespace', namespace: '' });
    expect(mapDocument({ source: 's', value: { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'e', namespace: 'study' }, addressType: 'IPv4' } }, defaults).namespace).toBe('study');
  });

  it('fails like kubectl for kinds or versions minimesh does not serve', () => {
    const err = (value: unknown) => {
      try {
        mapDocument({ source: 'controller.yaml', value }, defaults);
      } catch (e) {
        expect(e).toBeInstanceOf(CliError);
        return (e as Error).message;
      }
      return '';
    };
    expect(err({ apiVersion: 'apps/v1', kind: 'Namespace', metadata: { name: 'study' } })).toBe(
      'resource mapping not found for name: "study" namespace: "" from "controller.yaml": no matches for kind "Namespace" in version "apps/v1"\nensure CRDs are installed first',
    );
    expect(err({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'study' } })).toContain(
      'namespace: "study" from "controller.yaml": no matches for kind "Deployment" in version "apps/v1"',
    );
    expect(err({ apiVersion: 'v1', kind: 'EndpointSlice', metadata: { name: 'e' } })).toContain('no matches for kind "EndpointSlice" in version "v1"');
    expect(err({ apiVersion: 'v1', metadata: { name: 'x' } })).toBe('unable to decode "controller.yaml": Object \'Kind\' is missing in \'{"apiVersion":"v1","metadata":{"name":"x"}}\'');
  });

  it('refuses a document namespace that differs from an explicit -n', () => {
    const value = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'a' } };
    expect(() => mapDocument({ source: 's', value }, { namespace: 'b', enforce: true })).toThrow(
      'the namespace from the provided object "a" does not match the namespace "b". You must pass \'--namespace=a\' to perform this operation.',
    );
    expect(mapDocument({ source: 's', value }, { namespace: 'b', enforce: false }).namespace).toBe('a');
    expect(mapDocument({ source: 's', value }, { namespace: 'a', enforce: true }).namespace).toBe('a');
  });

  it('keeps a decoding failure on the object instead of throwing', () => {
    const m = mapDocument({ source: 's', value: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { foo: 1 } } }, defaults);
    expect(m.object).toBeUndefined();
    expect(m.decodeError?.message).toBe('Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"');
  });
});
