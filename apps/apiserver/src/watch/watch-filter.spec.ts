import { describe, expect, it } from 'vitest';
import { parseSelector, type Service } from '@minimesh/api';
import type { StoredEvent } from '../store/store.js';
import { filterEvent } from './watch-filter.js';

const svc = (labels?: Record<string, string>, namespace = 'default'): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's', namespace, labels },
});

const ev = (type: StoredEvent['type'], object: Service, previous?: Service): StoredEvent => ({
  revision: 5,
  type,
  kind: 'Service',
  namespace: object.metadata.namespace!,
  name: 's',
  object,
  previous,
  kindPrevious: 4,
});

describe('filterEvent', () => {
  const f = { kind: 'Service' as const, namespace: '', selector: parseSelector('app=web') };
  it.each([
    ['ADDED matching', ev('ADDED', svc({ app: 'web' })), 'ADDED'],
    ['ADDED not matching', ev('ADDED', svc({ app: 'db' })), undefined],
    ['MODIFIED, still matching', ev('MODIFIED', svc({ app: 'web', v: '2' }), svc({ app: 'web' })), 'MODIFIED'],
    ['MODIFIED into the selector', ev('MODIFIED', svc({ app: 'web' }), svc({ app: 'db' })), 'ADDED'],
    ['MODIFIED out of the selector', ev('MODIFIED', svc({ app: 'db' }), svc({ app: 'web' })), 'DELETED'],
    ['MODIFIED, never matching', ev('MODIFIED', svc({ app: 'db' }), svc({ app: 'x' })), undefined],
    ['DELETED matching', ev('DELETED', svc({ app: 'web' })), 'DELETED'],
  ])('watch filter - %s', (_name, event, want) => {
    expect(filterEvent(f, event)?.type).toBe(want);
  });

  it('watch filter - other kinds and namespaces are not seen', () => {
    expect(filterEvent({ ...f, kind: 'Pod' }, ev('ADDED', svc({ app: 'web' })))).toBeUndefined();
    expect(filterEvent({ ...f, namespace: 'study' }, ev('ADDED', svc({ app: 'web' })))).toBeUndefined();
    expect(filterEvent({ ...f, namespace: 'study' }, ev('ADDED', svc({ app: 'web' }, 'study')))?.type).toBe('ADDED');
  });
});
