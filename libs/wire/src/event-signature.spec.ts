import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HEADER_SIGNATURE, eventVerifier, newEventSigningKey, signEvent, storeIdOfKey } from './event-signature.js';
import { HEADER_REVISION, HEADER_STUB, streamEventHeaders } from './event-stream.js';

const key = createPrivateKey(newEventSigningKey());
const storeId = storeIdOfKey(key);
const subject = 'minimesh.v1.events.Service.default.web';
const payload = new Uint8Array([1, 2, 3]);

/** The headers of a signed message, as a NATS header map reads them. */
function signed(): Map<string, string> & { get(name: string): string } {
  const h = new Map(streamEventHeaders({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }, revision: 7, kindPrevious: 3 }, storeId)) as Map<string, string> & { get(name: string): string };
  h.set(HEADER_SIGNATURE, signEvent(key, subject, h, payload));
  return h;
}

describe('event signatures', () => {
  it('names the public key in the store id, and checks a message signed with it', () => {
    expect(storeId).toMatch(/^ed25519-[A-Za-z0-9_-]{43}$/);
    expect(eventVerifier(storeId)!(subject, signed(), payload)).toBe(true);
  });

  it('refuses a change to the subject, any signed header, the payload, or the signature', () => {
    const verify = eventVerifier(storeId)!;
    expect(verify('minimesh.v1.events.Service.default.other', signed(), payload)).toBe(false);
    const future = signed();
    future.set(HEADER_REVISION, '999999');
    expect(verify(subject, future, payload)).toBe(false);
    const stub = signed();
    stub.set(HEADER_STUB, 'too-large');
    expect(verify(subject, stub, payload)).toBe(false);
    expect(verify(subject, signed(), new Uint8Array([1, 2, 4]))).toBe(false);
    const unsigned = signed();
    unsigned.delete(HEADER_SIGNATURE);
    expect(verify(subject, unsigned, payload)).toBe(false);
    const garbage = signed();
    garbage.set(HEADER_SIGNATURE, '!!not base64 at all, and far too long'.repeat(100));
    expect(verify(subject, garbage, payload)).toBe(false);
    expect(verify(subject, undefined, payload)).toBe(false);
  });

  it('refuses a message signed with another key for this store', () => {
    const other = createPrivateKey(newEventSigningKey());
    const h = signed();
    h.set(HEADER_SIGNATURE, signEvent(other, subject, h, payload));
    expect(eventVerifier(storeId)!(subject, h, payload)).toBe(false);
  });

  it('has no check for a store id that names no key (a store from before signing), and believes nothing of one that pretends to', () => {
    expect(eventVerifier('0b6c2f5e-0d7f-4d0e-9a43-8c1f3c8e2a11')).toBeUndefined();
    expect(eventVerifier('ed25519-not-a-key')!(subject, signed(), payload)).toBe(false);
  });
});
