import { describe, expect, it } from 'vitest';
import { parseEcho, tally } from './cluster-driver.js';

describe('echo replies', () => {
  it('parseEcho reads the pod line and the peer line, split or joined', () => {
    const want = { ip: '10.244.1.10', pod: 'web-1', node: 'node1', from: { ip: '10.244.2.11', port: 43210 } };
    expect(parseEcho('IP: 10.244.1.10 web-1 node1\nfrom 10.244.2.11:43210\n')).toEqual(want);
    expect(parseEcho('IP: 10.244.1.10 web-1 node1 from 10.244.2.11:43210')).toEqual(want);
    expect(parseEcho('IP: 10.244.1.10 web-1 node1\n')).toEqual({ ip: '10.244.1.10', pod: 'web-1', node: 'node1' });
    expect(parseEcho('')).toBeUndefined();
    expect(parseEcho('<html>nope</html>')).toBeUndefined();
  });

  it('tally counts replies by pod, whether bodies were split into lines or joined', () => {
    const split = ['IP: 10.244.1.10 web-1 node1', 'from 10.244.2.11:1', 'IP: 10.244.2.10 web-3 node2', 'from 10.244.2.11:2', 'IP: 10.244.1.10 web-1 node1', 'from 10.244.2.11:3'];
    expect([...tally(split)]).toEqual([['web-1', 2], ['web-3', 1]]);
    expect([...tally(['IP: 10.244.1.10 web-1 node1 from 10.244.2.11:1', 'curl: (28) timeout'])]).toEqual([['web-1', 1], ['other:curl: (28) timeout', 1]]);
  });
});
