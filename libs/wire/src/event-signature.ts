/**
 * Signed events: every message the apiserver publishes on the event stream carries an Ed25519
 * signature (header Minimesh-Signature, base64) over its subject, its minimesh headers and its
 * payload. The store's id names the public key (`ed25519-<base64url of the 32-byte key>`), and a
 * follower learns the store id from its list, over the apiserver's authenticated TLS connection;
 * so a message that someone other than the apiserver got onto NATS (NATS permissions are the
 * first door, this is the second) is told apart without asking anyone, including one that copies
 * every header and claims a revision from the future.
 *
 * A store id of another form (a store made before events were signed) names no key: its messages
 * are followed unsigned, as before.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { HEADER_EVENT_TYPE, HEADER_KIND_PREVIOUS, HEADER_REVISION, HEADER_STORE, HEADER_STUB } from './event-stream.js';

export const HEADER_SIGNATURE = 'Minimesh-Signature';

const KEY_ID_PREFIX = 'ed25519-';
const SIGNED_HEADERS = [HEADER_REVISION, HEADER_KIND_PREVIOUS, HEADER_STORE, HEADER_EVENT_TYPE, HEADER_STUB];

export interface HeaderReader {
  get(name: string): string;
}

/** A new signing key, as PKCS#8 PEM (kept with the store it signs for). */
export function newEventSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The store id that names `key`'s public half. */
export function storeIdOfKey(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  return `${KEY_ID_PREFIX}${jwk.x}`;
}

/** The bytes signed: subject, the minimesh headers in a fixed order, then the payload. */
function signedBytes(subject: string, headers: HeaderReader, payload: Uint8Array): Buffer {
  const head = [subject, ...SIGNED_HEADERS.map((h) => headers.get(h) ?? '')].join('\n');
  return Buffer.concat([Buffer.from(`${head}\n`), payload]);
}

/** The Minimesh-Signature value of a message. */
export function signEvent(key: KeyObject, subject: string, headers: HeaderReader, payload: Uint8Array): string {
  return sign(null, signedBytes(subject, headers, payload), key).toString('base64');
}

export type EventVerifier = (subject: string, headers: HeaderReader | undefined, payload: Uint8Array) => boolean;

/** The check of messages from store `storeId`, or undefined when the id names no key. */
export function eventVerifier(storeId: string): EventVerifier | undefined {
  if (!storeId.startsWith(KEY_ID_PREFIX)) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: storeId.slice(KEY_ID_PREFIX.length) }, format: 'jwk' });
  } catch {
    return () => false; // an id that looks like a key but is none: nothing can be believed
  }
  return (subject, headers, payload) => {
    const signature = headers?.get(HEADER_SIGNATURE);
    if (!headers || !signature) return false;
    try {
      return verify(null, signedBytes(subject, headers, payload), key, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  };
}
