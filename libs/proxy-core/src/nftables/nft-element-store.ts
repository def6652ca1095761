/**
 * The elements of the shared sets and verdict maps as the kernel holds them, and who asked for
 * each (kube-proxy keeps the same in nftElementStorage, so a sync sends element diffs only).
 *
 * Several service ports may claim one key: the ports of a Service share its ClusterIP in
 * `cluster-ips`, and two Services may name the same externalIP and port. A set element stays
 * while anyone claims it; a map element carries the value of the first claimant in key order,
 * so two Services fighting over one key give a stable answer instead of an `nft` "File exists".
 */
import type { NftElement } from './nft-service-rules.js';
import { flat } from '@minimesh/api';

interface Claim {
  readonly owner: string;
  readonly element: NftElement;
}

/** A key whose element the kernel must change: delete `before` (if any), then add `after` (if any). */
export interface NftElementChange {
  readonly before: NftElement | undefined;
  readonly after: NftElement | undefined;
}

/** "set key": one element's identity. */
export const elementId = (e: NftElement) => flat(`${e.set} ${e.key}`);
const id = elementId;

/** The same element in the kernel (value and comment). */
export const sameElement = (a: NftElement | undefined, b: NftElement | undefined) => a === b || (a !== undefined && b !== undefined && a.value === b.value && a.comment === b.comment);
const same = sameElement;

export class NftElementStore {
  /** Claims per `set key`, sorted by owner. */
  private readonly claims = new Map<string, Claim[]>();

  get size(): number {
    return this.claims.size;
  }

  /** The element the kernel holds for this set and key. */
  get(set: string, key: string): NftElement | undefined {
    return this.claims.get(`${set} ${key}`)?.[0]?.element;
  }

  clear(): void {
    this.claims.clear();
  }

  /**
   * Replaces what `owner` claims (`before`) with `after` and returns the keys whose element in
   * the kernel changes as a result.
   */
  replace(owner: string, before: readonly NftElement[], after: readonly NftElement[]): NftElementChange[] {
    const touched = new Map<string, NftElement | undefined>();
    const remember = (e: NftElement) => {
      const k = id(e);
      if (!touched.has(k)) touched.set(k, this.claims.get(k)?.[0]?.element);
    };
    for (const e of before) {
      remember(e);
      this.release(owner, e);
    }
    for (const e of after) {
      remember(e);
      this.claim(owner, e);
    }
    const changes: NftElementChange[] = [];
    for (const [k, was] of touched) {
      const now = this.claims.get(k)?.[0]?.element;
      if (!same(was, now)) changes.push({ before: was, after: now });
    }
    return changes;
  }

  private claim(owner: string, element: NftElement): void {
    const k = id(element);
    const list = this.claims.get(k);
    if (list === undefined) {
      this.claims.set(k, [{ owner, element }]);
      return;
    }
    const at = list.findIndex((c) => c.owner >= owner);
    if (at === -1) list.push({ owner, element });
    else if (list[at]!.owner === owner) list[at] = { owner, element };
    else list.splice(at, 0, { owner, element });
  }

  private release(owner: string, element: NftElement): void {
    const k = id(element);
    const list = this.claims.get(k);
    if (list === undefined) return;
    const at = list.findIndex((c) => c.owner === owner);
    if (at !== -1) list.splice(at, 1);
    if (list.length === 0) this.claims.delete(k);
  }
}
