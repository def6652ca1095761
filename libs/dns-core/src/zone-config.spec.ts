import { describe, expect, it } from 'vitest';
import { acceptQuery } from './accept-query.js';
import { Rcode } from './message.js';
import { defaultKubernetesConfig, parseKubernetesConfig } from './zone-config.js';

describe('kubernetes config', () => {
  it('defaults are kubeadm\'s Corefile', () => {
    expect(defaultKubernetesConfig()).toEqual({
      zones: ['cluster.local.', 'in-addr.arpa.', 'ip6.arpa.'],
      primaryZone: 'cluster.local.',
      ttl: 30,
      pods: 'insecure',
      fallthrough: ['in-addr.arpa.', 'ip6.arpa.'],
      endpointPodNames: false,
      localIPs: [],
    });
  });

  it('zones are lower-cased and qualified; the primary zone is the first forward one', () => {
    expect(parseKubernetesConfig({ zones: ['10.in-addr.arpa', 'Corp.Example.'] })).toMatchObject({ zones: ['10.in-addr.arpa.', 'corp.example.'], primaryZone: 'corp.example.' });
  });

  it.each([
    [{ zones: [] }, 'zones: at least one zone is required'],
    [{ zones: ['in-addr.arpa'] }, 'zones: at least one zone must not be a reverse zone'],
    [{ zones: ['bad..zone'] }, 'zones: "bad..zone" is not a domain name'],
    [{ ttl: 3601 }, 'ttl: must be an integer between 0 and 3600'],
    [{ ttl: -1 }, 'ttl: must be an integer between 0 and 3600'],
    [{ pods: 'sometimes' }, 'pods: must be one of disabled, insecure, verified'],
  ])('%j is refused: %s', (input, message) => {
    expect(() => parseKubernetesConfig(input)).toThrow(message);
  });
});

describe('acceptQuery', () => {
  const q = { isResponse: false, opcode: 0, questionCount: 1, answerCount: 0, authorityCount: 0, additionalCount: 1 };
  it.each([
    ['a plain query', q, 'accept'],
    ['a response', { ...q, isResponse: true }, 'drop'],
    ['an UPDATE', { ...q, opcode: 5 }, Rcode.NOTIMP],
    ['no question', { ...q, questionCount: 0 }, Rcode.FORMERR],
    ['two questions', { ...q, questionCount: 2 }, Rcode.FORMERR],
    ['three additional records', { ...q, additionalCount: 3 }, Rcode.FORMERR],
    ['EDNS version 1', { ...q, ednsVersion: 1 }, Rcode.BADVERS],
    ['EDNS version 0', { ...q, ednsVersion: 0 }, 'accept'],
  ])('%s → %s', (_what, header, want) => {
    expect(acceptQuery(header)).toBe(want);
  });
});
