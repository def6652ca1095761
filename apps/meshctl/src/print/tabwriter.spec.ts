import { describe, expect, it } from 'vitest';
import { DESCRIBE_LAYOUT, TABLE_LAYOUT, tabwrite } from './tabwriter.js';

describe('tabwrite (Go text/tabwriter as kubectl configures it)', () => {
  it('pads table columns to at least 6 and the widest cell plus 3; the last column is not padded', () => {
    const text = 'NAME\tTYPE\tAGE\nkubernetes\tClusterIP\t278d\nnginx\tNodePort\t7s\n';
    expect(tabwrite(text, TABLE_LAYOUT)).toBe(
      'NAME         TYPE        AGE\n' + 'kubernetes   ClusterIP   278d\n' + 'nginx        NodePort    7s\n',
    );
    expect(tabwrite('A\tB\nx\ty\n', TABLE_LAYOUT)).toBe('A     B\nx     y\n');
  });

  it('remembers widths across flushes, so later rows never shrink a column', () => {
    const remembered = { maxwidths: [] };
    expect(tabwrite('NAME\tAGE\nservice-clusterip\t7s\n', TABLE_LAYOUT, remembered)).toBe('NAME                AGE\nservice-clusterip   7s\n');
    expect(tabwrite('web\t0s\n', TABLE_LAYOUT, remembered)).toBe('web                 0s\n');
    expect(tabwrite('a-much-longer-service-name\t1s\n', TABLE_LAYOUT, remembered)).toBe('a-much-longer-service-name   1s\n');
    expect(tabwrite('web\t2s\n', TABLE_LAYOUT, remembered)).toBe('web                          2s\n');
  });

  it('uses a minimum width of 0 and padding 2 for describe', () => {
    expect(tabwrite('Name:\tx\nSession Affinity:\tNone\n', DESCRIBE_LAYOUT)).toBe('Name:              x\nSession Affinity:  None\n');
  });

  it('aligns a column only over consecutive lines that have it', () => {
    const text = 'Name:\tx\nSubsets:\n  Addresses:\t1.2.3.4\n  NotReadyAddresses:\t<none>\n';
    expect(tabwrite(text, DESCRIBE_LAYOUT)).toBe('Name:  x\nSubsets:\n  Addresses:          1.2.3.4\n  NotReadyAddresses:  <none>\n');
  });

  it('pads empty cells and keeps a text without trailing newline as is', () => {
    expect(tabwrite('a\tb\tc\n\tbb\tc', DESCRIBE_LAYOUT)).toBe('a  b   c\n   bb  c');
  });

  it('counts runes, not UTF-16 units', () => {
    expect(tabwrite('é\tx\nab\ty\n', DESCRIBE_LAYOUT)).toBe('é   x\nab  y\n');
  });
});
