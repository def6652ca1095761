import { describe, expect, it } from 'vitest';
import { eventSubject, kindSubjectFilter } from './subjects.js';

describe('event subjects', () => {
  it('subjects - one token per part, cluster scope and dotted names escaped', () => {
    expect(eventSubject('Service', 'study', 'service-clusterip')).toBe('minimesh.v1.events.Service.study.service-clusterip');
    expect(eventSubject('Node', '', 'node1.example.com')).toBe('minimesh.v1.events.Node._.node1_example_com');
    expect(kindSubjectFilter('Pod')).toBe('minimesh.v1.events.Pod.*.*');
    expect(kindSubjectFilter('Pod', 'study')).toBe('minimesh.v1.events.Pod.study.*');
  });
});
