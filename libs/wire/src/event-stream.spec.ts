import { describe, expect, it } from 'vitest';
import type { Namespace } from '@minimesh/api';
import { pb } from '@minimesh/proto';
import { objectFromWire } from './convert.js';
import { eventSubject, encodeStreamEvent, gapMarkerHeaders, gapMarkerSubject, kindSubjects, streamEventHeaders, streamEventMark } from './event-stream.js';

describe('event stream contract', () => {
  it('subjects - one token per part, cluster scope and dotted names escaped', () => {
    expect(eventSubject('Service', 'study', 'service-clusterip')).toBe('minimesh.v1.events.Service.study.service-clusterip');
    expect(eventSubject('Node', '', 'node1.example.com')).toBe('minimesh.v1.events.Node._.node1_example_com');
    expect(kindSubjects('Pod')).toBe('minimesh.v1.events.Pod.>');
  });

  it('payload - a WatchEvent with the revisions as resource versions', () => {
    const object: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } };
    const ev = pb.WatchEvent.decode(encodeStreamEvent({ type: 'MODIFIED', object, revision: 7, kindPrevious: 3 }));
    expect([ev.type, ev.resourceVersion, ev.previousResourceVersion, objectFromWire(ev.object!).metadata.name]).toEqual([pb.EventType.MODIFIED, '7', '3', 'study']);
  });

  it('payload - an int64 stored beyond ±(2^53-1) goes out as the bound, so that followers can decode it', () => {
    const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'study' }, spec: { terminationGracePeriodSeconds: 2 ** 53 + 2, containers: [] } } as unknown as Namespace;
    const ev = pb.WatchEvent.decode(encodeStreamEvent({ type: 'ADDED', object, revision: 8, kindPrevious: 7 }));
    expect((objectFromWire(ev.object!) as unknown as { spec: { terminationGracePeriodSeconds: number } }).spec.terminationGracePeriodSeconds).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('headers - written and read back as a mark; anything else is not an event', () => {
    const object: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'study' } };
    const headers = new Map(streamEventHeaders({ type: 'ADDED', object, revision: 12, kindPrevious: 9 }, 'store-a'));
    expect(headers.get('Minimesh-Event-Type')).toBe('ADDED');
    const get = (m: Map<string, string>) => ({ get: (k: string) => m.get(k) ?? '' });
    expect(streamEventMark(get(headers))).toEqual({ revision: 12, kindPrevious: 9, store: 'store-a', stub: false });
    expect(streamEventMark(get(new Map([...headers, ['Minimesh-Stub', 'too-large']])))).toEqual({ revision: 12, kindPrevious: 9, store: 'store-a', stub: true });
    expect(streamEventMark(get(new Map([['Minimesh-Revision', 'x']])))).toBeNull();
    expect(streamEventMark(get(new Map()))).toBeNull();
    expect(streamEventMark(undefined)).toBeNull();
  });

  it('gap marker - on the kind\'s subjects, no object\'s; its Kind-Previous is its revision, above any cache older than the gap', () => {
    expect(gapMarkerSubject('Service')).toBe('minimesh.v1.events.Service._._');
    expect(gapMarkerSubject('Service').startsWith(kindSubjects('Service').slice(0, -1))).toBe(true);
    const get = (m: Map<string, string>) => ({ get: (k: string) => m.get(k) ?? '' });
    expect(streamEventMark(get(new Map(gapMarkerHeaders(40, 'store-a'))))).toEqual({ revision: 40, kindPrevious: 40, store: 'store-a', stub: true });
  });
});
