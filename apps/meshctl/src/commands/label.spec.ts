import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../testing/harness.js';

async function services(): Promise<Harness> {
  const h = harness();
  for (const name of ['a', 'b']) await h.meshctl('create', 'service', 'clusterip', name, '--tcp=80');
  return h;
}

const labels = (h: Harness, name: string) => h.client.peek('Service', 'default', name)?.metadata.labels;
const annotations = (h: Harness, name: string) => h.client.peek('Service', 'default', name)?.metadata.annotations;

describe('meshctl label and annotate', () => {
  it('labels the objects that exist and reports the missing ones, exit 1', async () => {
    const h = await services();
    expect(await h.meshctl('label', 'svc', 'a', 'nope', 'b', 'x=y')).toEqual({
      code: 1,
      stdout: 'service/a labeled\nservice/b labeled\n',
      stderr: 'Error from server (NotFound): services "nope" not found\n',
    });
    expect(labels(h, 'a')).toMatchObject({ x: 'y' });
    expect(labels(h, 'b')).toMatchObject({ x: 'y' });
    expect(await h.meshctl('annotate', 'svc', 'nope', 'a', 'note=hi')).toEqual({
      code: 1,
      stdout: 'service/a annotated\n',
      stderr: 'Error from server (NotFound): services "nope" not found\n',
    });
    expect(annotations(h, 'a')).toMatchObject({ note: 'hi' });
  });

  it('checks label specs and values on the client, in kubectl\'s words', async () => {
    const h = await services();
    expect(await h.meshctl('label', 'svc', 'a', 'a=b=c')).toEqual({ code: 1, stdout: '', stderr: 'error: invalid label spec: a=b=c\n' });
    expect(await h.meshctl('label', 'svc', 'a', 'a=-bad-')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: invalid label value: "a=-bad-": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', ' +
        "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n",
    });
    expect(labels(h, 'a')).not.toHaveProperty('a');
    // An annotation value may hold '=' and anything else.
    expect((await h.meshctl('annotate', 'svc', 'a', 'q=a=b c')).stdout).toBe('service/a annotated\n');
    expect(annotations(h, 'a')).toMatchObject({ q: 'a=b c' });
  });

  it('says which label to remove is absent', async () => {
    const h = await services();
    expect(await h.meshctl('label', 'svc', 'a', 'zz-')).toEqual({ code: 0, stdout: 'label "zz" not found.\nservice/a not labeled\n', stderr: '' });
  });

  it('refuses to overwrite without --overwrite, in kubectl\'s words for labels and for annotations', async () => {
    const h = await services();
    await h.meshctl('label', 'svc', 'a', 'x=y');
    await h.meshctl('annotate', 'svc', 'a', 'note=hello world');
    expect((await h.meshctl('label', 'svc', 'a', 'x=z')).stderr).toBe("error: 'x' already has a value (y), and --overwrite is false\n");
    expect((await h.meshctl('annotate', 'svc', 'a', 'note=x')).stderr).toBe(
      "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (hello world)\n",
    );
    expect((await h.meshctl('annotate', 'svc', 'a', 'note=x', '--overwrite')).stdout).toBe('service/a annotated\n');
  });
});
