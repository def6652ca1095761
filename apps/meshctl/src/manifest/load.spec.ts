import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CliError } from '../cli/errors.js';
import { TESTDATA } from '../testing/harness.js';
import { loadManifests, parseDocuments, readDocuments } from './load.js';

describe('parseDocuments', () => {
  it('splits multi-document YAML and skips empty documents', () => {
    const docs = parseDocuments('---\n---\nkind: A\n---\n# only a comment\n---\nkind: B\n...\n', 'x.yaml');
    expect(docs.map((d) => d.value)).toEqual([{ kind: 'A' }, { kind: 'B' }]);
    expect(docs.every((d) => d.source === 'x.yaml')).toBe(true);
  });

  it('expands a kind: List into its items', () => {
    const docs = parseDocuments('apiVersion: v1\nkind: List\nitems:\n- kind: Service\n- kind: Endpoints\n', 'l.yaml');
    expect(docs.map((d) => d.value)).toEqual([{ kind: 'Service' }, { kind: 'Endpoints' }]);
  });

  it('reads YAML as Kubernetes does: 1.1 booleans, but dates and 1:20 stay strings', () => {
    const [doc] = parseDocuments('a: yes\nb: 2001-12-14\nc: 1:20\nd: "80"\ne: 0x50\nf: ~\n', 'y.yaml');
    expect(doc!.value).toEqual({ a: true, b: '2001-12-14', c: '1:20', d: '80', e: 80, f: null });
  });

  it('accepts JSON manifests', () => {
    expect(parseDocuments('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}', 'ns.json')[0]!.value).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
    });
  });

  it('refuses documents nested past the parser\'s stack with a clear error, wherever the stack runs out', () => {
    const block = Array.from({ length: 5000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n';
    const flow = `${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}\n`;
    for (const text of [block, flow]) {
      let said = '';
      try {
        parseDocuments(text, 'deep.yaml');
      } catch (e) {
        said = (e as Error).message;
      }
      expect(said).toMatch(/^error parsing deep\.yaml: error converting YAML to JSON: yaml: (line \d+: )?document nested too deeply$/);
    }
  });

  it('fails with the file name and line on malformed YAML', () => {
    expect(() => parseDocuments('kind: Service\nmetadata:\n  name: x\n   bad: [\n', 'bad.yaml')).toThrow(CliError);
    expect(() => parseDocuments('a: 1\na: 2\n', 'dup.yaml')).toThrow(/^error parsing dup\.yaml: error converting YAML to JSON: yaml: line 2: /);
  });

  it.each([
    ['a: &a {<<: *a}', 'a'],
    ['a: &a [*a]', 'a'],
    ['a: &loop\n  b: *loop\n', 'loop'],
    ['x: &x 1\nmetadata: &m\n  labels: {y: *x, z: [*m]}\n', 'm'],
  ])('refuses an anchor that contains itself as Go\'s YAML reader does: %j', (text, anchor) => {
    expect(() => parseDocuments(text, 'STDIN')).toThrow(`error parsing STDIN: error converting YAML to JSON: yaml: anchor '${anchor}' value contains itself`);
  });

  it.each(['a: *b\n', 'a: *b\nc: &b 1\n'])('refuses an alias to an anchor not set before it: %j', (text) => {
    expect(() => parseDocuments(text, 'STDIN')).toThrow("error parsing STDIN: error converting YAML to JSON: yaml: unknown anchor 'b' referenced");
  });

  it('still reads aliases and merge keys that do not loop', () => {
    expect(parseDocuments('base: &b {app: web}\nlabels: {<<: *b, tier: db}\nagain: [*b, *b]\n', 'x.yaml')[0]!.value).toEqual({ base: { app: 'web' }, labels: { app: 'web', tier: 'db' }, again: [{ app: 'web' }, { app: 'web' }] });
  });

  it('refuses a document nested deeper than the parser goes, with a message', () => {
    expect(() => parseDocuments('['.repeat(20_000), 'deep.yaml')).toThrow(/^error parsing deep\.yaml: error converting YAML to JSON: yaml: /);
  });
});

describe('readDocuments', () => {
  const svc = (name: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n`;

  it('keeps the documents before an unreadable one, stops there, and numbers lines within the document', () => {
    const text = `${svc('one')}---\n${svc('two')}  bad: [unclosed\nspec: {}\n---\n${svc('three')}`;
    const { documents, error } = readDocuments(text, 'multi.yaml');
    expect(documents.map((d) => (d.value as { metadata: { name: string } }).metadata.name)).toEqual(['one']);
    // The broken flow sequence is detected on the document's 6th line (the file's 11th).
    expect(error?.message).toMatch(/^error parsing multi\.yaml: error converting YAML to JSON: yaml: line 6: /);
  });

  it('counts lines from the first line after a separator with a comment, and from 1 in the first document', () => {
    expect(readDocuments('a: 1\na: 2\n', 'x.yaml').error?.message).toMatch(/yaml: line 2: /);
    expect(readDocuments('kind: A\n--- # next\na: 1\na: 2\n', 'x.yaml').error?.message).toMatch(/yaml: line 2: /);
  });

  it('stops at a document with an alias problem, keeping the earlier ones', () => {
    const { documents, error } = readDocuments('kind: A\n---\na: *nope\n---\nkind: B\n', 'STDIN');
    expect(documents).toEqual([{ source: 'STDIN', value: { kind: 'A' } }]);
    expect(error?.message).toBe("error parsing STDIN: error converting YAML to JSON: yaml: unknown anchor 'nope' referenced");
  });
});

describe('loadManifests', () => {
  it('reads files, directories (sorted, manifests only) and stdin', async () => {
    const one = await loadManifests(['001-my-service-without-selector.yaml'], { cwd: TESTDATA });
    expect(one.documents.map((d) => (d.value as { kind: string }).kind)).toEqual(['Service', 'Endpoints']);
    const dir = await loadManifests(['.'], { cwd: TESTDATA });
    const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.yaml')).sort();
    expect([...new Set(dir.documents.map((d) => d.source))]).toEqual(files);
    const stdin = await loadManifests(['-'], { readStdin: async () => 'kind: Namespace\n' });
    expect(stdin.documents).toEqual([{ source: 'STDIN', value: { kind: 'Namespace' } }]);
  });

  it('fails on a missing path like kubectl', async () => {
    await expect(loadManifests(['nope.yaml'], { cwd: TESTDATA })).rejects.toThrow('the path "nope.yaml" does not exist');
  });

  it('parses every seed manifest in testdata', async () => {
    const all = await loadManifests(['.'], { cwd: TESTDATA });
    expect(all.problems).toEqual([]);
    const kinds = all.documents.map((d) => `${(d.value as { apiVersion: string }).apiVersion} ${(d.value as { kind: string }).kind}`);
    expect(kinds).toContain('apps/v1 Namespace');
    expect(kinds).toContain('apps/v1 Deployment');
    expect(kinds.filter((k) => k === 'v1 Service')).toHaveLength(10);
    expect(kinds.filter((k) => k === 'v1 Endpoints')).toHaveLength(1);
  });
});
