/**
 * Fuzz: YAML manifests through meshctl (`apply|create|delete -f -`, and `patch -p`) against a
 * running apiserver: the testdata manifests with their text mutated, structured mutations of
 * objects (wrong types, huge and unicode strings, negative numbers, deep nesting) written as
 * JSON (which is YAML), and crafted YAML (alias bombs, self-referencing anchors, deep nesting,
 * tags, duplicate keys, `__proto__` keys, thousands of documents).
 *
 * Every input must end with exit code 0 or 1 and a message: an `error: ...` line, the apiserver's
 * Kubernetes text, or what was done. A crash is an exception out of meshctl, another exit code,
 * silence, or a JavaScript error's text (`Cannot read properties of undefined`, `x is not a
 * function`, `Maximum call stack size exceeded`...) printed as if it were a message. A
 * manifest must not change Object.prototype either.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '@minimesh/apiserver/testing';
import { TESTDATA, meshctlWith } from '@minimesh/meshctl/testing';
import { FUZZ_COUNT, FUZZ_SEED, Findings, Rng, Tally, announce, deepJson, mutateJson, mutateText, nestingDepth, recovered, seconds } from './fuzz-input.js';

const MANIFESTS = readdirSync(TESTDATA)
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => readFileSync(join(TESTDATA, f), 'utf8'));

const OBJECTS: object[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080 }] }] } },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'web-x', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.1.5'] }], ports: [{ name: 'http', port: 8080 }] },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
  { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'in-list' }, spec: { ports: [{ port: 81 }] } }] },
];

const DEADLINE_MS = 5_000;
/** The random part stops after this many hangs (each costs the deadline). */
const MAX_HANGS = 3;

const SVC = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: crafted\nspec:\n  ports:\n  - port: 80\n';

/** Crafted YAML that parsers and their users trip over. */
function craftedDocuments(rng: Rng): Array<[string, string]> {
  const depth = 5000;
  return [
    ['empty input', ''],
    ['only a comment', '# nothing\n'],
    ['only ---', '---\n---\n'],
    ['a scalar', '42\n'],
    ['a string', '"just a string"\n'],
    ['a list at the top', '- a\n- b\n'],
    ['null', '~\n'],
    ['billion laughs (aliases)', `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\n`],
    ['billion laughs inside a Service', `${SVC}metadata:\n  name: x\n  annotations: &a {a: &b [1,1,1,1,1,1,1,1,1,1], b: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b], c: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c], d: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]}\n`],
    ['an alias to itself', 'a: &a [*a]\n'],
    ['an anchor used before it is defined', 'a: *b\nb: &b 1\n'],
    ['merge key cycle', 'a: &a {<<: *a}\n'],
    ['merge keys into metadata', `base: &m {name: merged, labels: {a: b}}\napiVersion: v1\nkind: Namespace\nmetadata:\n  <<: *m\n`],
    [`flow sequences ${depth} deep`, `${'['.repeat(depth)}${']'.repeat(depth)}\n`],
    [`flow mappings ${depth} deep`, `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`],
    [`a Service with spec ${depth} deep`, `apiVersion: v1\nkind: Service\nmetadata: {name: deep}\nspec: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`],
    ['block mappings 1000 deep', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n'],
    ['an unterminated flow', '{a: [1, 2\n'],
    ['a tab indentation', 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: tabs\n'],
    ['duplicate keys', 'apiVersion: v1\nkind: Service\nkind: Pod\nmetadata: {name: dup, name: dup2}\n'],
    ['!!js/function', 'apiVersion: v1\nkind: Service\nmetadata: {name: !!js/function "function(){ return 1 }"}\n'],
    ['!!python/object', 'apiVersion: v1\nkind: !!python/object/apply:os.system ["true"]\n'],
    ['!!binary', `${SVC}  clusterIP: !!binary aGVsbG8=\n`],
    ['!!timestamp', `${SVC}metadata: {name: t, creationTimestamp: !!timestamp 2001-12-14t21:59:43.10-05:00}\n`],
    ['!!set and !!omap', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: s, labels: !!set {a, b}, annotations: !!omap [a: 1, b: 2]}\n'],
    ['an unknown tag', `${SVC}spec: !whatever {ports: [{port: 80}]}\n`],
    ['a complex key', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ck\n  labels:\n    ? [a, b]\n    : c\n'],
    ['__proto__ key', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: proto\n  __proto__: {polluted: yes}\n  labels: {__proto__: {polluted: yes}}\n'],
    ['constructor.prototype keys', 'apiVersion: v1\nkind: Namespace\nconstructor: {prototype: {polluted: yes}}\nmetadata: {name: ctor}\n'],
    ['kind: List with items not a list', 'apiVersion: v1\nkind: List\nitems: 5\n'],
    ['kind: List with null, numbers and strings', 'apiVersion: v1\nkind: List\nitems: [null, 1, "x", [], {}]\n'],
    ['a List in a List', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: nested-list}\n'],
    ['fields of the wrong type', 'apiVersion: [v1]\nkind: {a: b}\nmetadata: []\nspec: "x"\n'],
    ['metadata.name a mapping', 'apiVersion: v1\nkind: Service\nmetadata: {name: {a: b}}\nspec: {ports: [{port: 80}]}\n'],
    ['ports a string', 'apiVersion: v1\nkind: Service\nmetadata: {name: ps}\nspec: {ports: "80"}\n'],
    ['ports of numbers', 'apiVersion: v1\nkind: Service\nmetadata: {name: pn}\nspec: {ports: [80, 443]}\n'],
    ['port special floats', `apiVersion: v1\nkind: Service\nmetadata: {name: pf}\nspec: {ports: [{port: ${rng.pick(['.inf', '-.inf', '.nan', '1e400', '0x50', '0o120', '80.5', '-80', '9223372036854775808', 'yes', '~'])}}]}\n`],
    ['YAML 1.1 booleans as names', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: yes, labels: {on: off, y: n}}\n'],
    ['a 2 MB name', `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${'x'.repeat(2_000_000)}}\n`],
    ['a 10,000-character line of flow', `apiVersion: v1\nkind: Namespace\nmetadata: {name: long, labels: {${Array.from({ length: 1000 }, (_, i) => `k${i}: v`).join(', ')}}}\n`],
    ['200 documents', Array.from({ length: 200 }, (_, i) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: many-${i}}\n`).join('---\n')],
    ['3000 empty documents', '---\n'.repeat(3000)],
    ['a byte order mark', `\ufeff${SVC}`],
    ['CRLF line ends', SVC.replace(/\n/g, '\r\n')],
    ['a NUL character', `${SVC.slice(0, 20)}\u0000${SVC.slice(20)}`],
    ['a line separator in a name', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: "a\u2028b"}\n'],
    ['a lone surrogate in a name', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: "\\ud800"}\n'],
    ['a JSON document', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'json-doc' } })],
    ['JSON with comments', '{"apiVersion": "v1", /* c */ "kind": "Namespace"}'],
    ['a directive', `%YAML 1.2\n%TAG ! tag:evil.example,2024:\n---\n${SVC}`],
    ['YAML 9.9', `%YAML 9.9\n---\n${SVC}`],
    ['kind of another group', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n'],
    ['a Secret', 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: aGk=}\n'],
    ['a namespace that escapes', 'apiVersion: v1\nkind: Service\nmetadata: {name: esc, namespace: "../kube-system"}\nspec: {ports: [{port: 80}]}\n'],
  ];
}

/** The text of a JavaScript runtime error printed as if it were a message. */
const JS_ERROR = /TypeError|RangeError|ReferenceError|SyntaxError|Cannot read propert|Cannot set propert|Cannot convert|Cannot destructure|is not a function|is not iterable|is not defined|is not a constructor|Maximum call stack|Invalid array length|Invalid string length|undefined \(reading|\[object Object\]|\n\s+at .*[jt]s:\d+/;

describe(`fuzz: YAML manifests through meshctl (seed ${FUZZ_SEED}, ${FUZZ_COUNT} documents)`, () => {
  let t: TestApiServer;
  const figures: string[] = [];
  beforeAll(async () => {
    announce('YAML', `${FUZZ_COUNT} mutated manifests and patches, after the crafted ones`);
    t = await startTestApiServer();
    await t.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
  });
  afterAll(async () => {
    for (const f of figures) console.log(f);
    await t?.stop();
  });

  it('every document gets a result or a clear error: text mutations, structured mutations, crafted YAML', async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED);
    const tally = new Tally();
    const crafted: string[] = [];
    const findings = new Findings();
    // Calls take milliseconds: one not answered in 5 s hangs (the client's default would wait 30 s).
    const client = t.connect({ timeoutMs: DEADLINE_MS });
    const probe = t.connect({ timeoutMs: 1000 });
    const meshctl = meshctlWith(client);
    let hangs = 0;
    let recovery = 0;
    /** meshctl's refusal of a document deeper than the YAML parser's stack (never the JavaScript error itself). */
    const nestedTooDeeply = (said: string) => /^error: error parsing \S+: error converting YAML to JSON: yaml: (line \d+: )?document nested too deeply/.test(said);
    const run = async (label: string, stdin: string, ...argv: string[]): Promise<string> => {
      const t0 = performance.now();
      const r = await meshctl(stdin, ...argv).catch((e: unknown) => ({ code: -1, stdout: '', stderr: `threw: ${String((e as Error).stack ?? e)}` }));
      const said = (r.stdout + r.stderr).trim();
      const hung = performance.now() - t0 >= DEADLINE_MS * 0.9 && /refused|unavailable|deadline/i.test(said);
      if (hung) {
        hangs++;
        recovery += await recovered(() => probe.list('Namespace'));
      }
      const outcome = r.code === 0 ? 'done' : said.includes('Error from server') || / is invalid/.test(said) ? 'refused by the apiserver' : nestedTooDeeply(said) ? 'refused by meshctl (nested too deeply)' : 'refused by meshctl';
      const polluted = Object.keys(Object.prototype).length > 0 || ({} as Record<string, unknown>).polluted !== undefined;
      // A JavaScript error's text counts when meshctl wrote it, not when the input had it (and was quoted).
      const jsError = said.match(new RegExp(JS_ERROR.source, 'g'))?.find((m) => !stdin.includes(m) && !argv.some((a) => a.includes(m)));
      const problem = hung ? `no answer within ${DEADLINE_MS / 1000} s (a hang)` : r.code === -1 ? 'an exception out of meshctl' : r.code !== 0 && r.code !== 1 ? `exit code ${r.code}` : said === '' ? 'no output at all' : polluted ? 'Object.prototype changed' : jsError ? `a JavaScript error as the message: ${jsError}` : undefined;
      const short = (x: string) => (x.length > 300 ? `${x.slice(0, 300)}… (${x.length} chars)` : x);
      if (problem) findings.add(`meshctl ${argv.slice(0, 3).join(' ')}: ${problem}`, `${label}: «${short(said)}» for ${stdin ? `input «${short(stdin)}»` : `meshctl ${argv.map(short).join(' ')}`}`);
      if (problem) return `CRASH (${problem})`;
      // The apiserver's own INTERNAL (its bug, reported by the gRPC part): meshctl said so clearly.
      return said.includes('(InternalError)') ? 'refused by the apiserver with InternalError' : outcome;
    };

    for (const [name, doc] of craftedDocuments(rng)) {
      const t0 = performance.now();
      const outcome = await run(`crafted "${name}"`, doc, 'apply', '-f', '-');
      const ms = performance.now() - t0;
      crafted.push(`${name}: ${outcome}${ms >= 1000 ? ` (${(ms / 1000).toFixed(1)} s)` : ''}`);
      tally.add(`crafted, ${outcome}`);
    }
    const craftedHangs = hangs;
    hangs = 0;
    for (let i = 0; i < FUZZ_COUNT && hangs < MAX_HANGS; i++) {
      const verb = rng.pick(['apply', 'apply', 'apply', 'create', 'delete']);
      switch (rng.int(4)) {
        case 0:
        case 1: {
          let doc = rng.pick(MANIFESTS);
          for (let m = 0, n = 1 + rng.int(3); m < n; m++) doc = mutateText(rng, doc);
          tally.add(`text, ${await run(`MINIMESH_FUZZ_SEED=${FUZZ_SEED} #${i}`, doc, verb, '-f', '-')}`);
          break;
        }
        case 2: {
          let obj = rng.pick(OBJECTS);
          for (let m = 0, n = 1 + rng.int(3); m < n; m++) obj = mutateJson(rng, obj);
          const doc = rng.int(2) ? JSON.stringify(obj) : JSON.stringify(obj, null, 2);
          tally.add(`structured, ${await run(`MINIMESH_FUZZ_SEED=${FUZZ_SEED} #${i}`, doc, verb, '-f', '-')}`);
          break;
        }
        default: {
          // A patch given on the command line: parsed by meshctl (YAML or JSON), then the apiserver.
          const type = rng.pick(['strategic', 'merge', 'json']);
          const base = type === 'json' ? [{ op: 'replace', path: '/spec/ports/0/port', value: 81 }] : { metadata: { labels: { a: 'b' } }, spec: { ports: [{ port: 81 }] } };
          const patch = rng.int(4) === 0 ? deepJson(nestingDepth(rng)) : rng.int(2) ? JSON.stringify(mutateJson(rng, base)) : mutateText(rng, JSON.stringify(base));
          tally.add(`patch, ${await run(`MINIMESH_FUZZ_SEED=${FUZZ_SEED} #${i}`, '', 'patch', 'service', 'web', '--type', type, '-p', patch)}`);
        }
      }
    }
    client.close();
    probe.close();
    figures.push(`fuzz YAML: ${crafted.length} crafted + ${tally.total - crafted.length} mutated inputs in ${seconds(started)}: ${tally}; crashes and hangs ${findings.count} (hangs: crafted ${craftedHangs}, mutated ${hangs}${hangs >= MAX_HANGS ? `, stopped after ${MAX_HANGS}` : ''}; waiting for the connection to recover after them ${(recovery / 1000).toFixed(1)} s)`);
    figures.push(`  crafted, one by one: ${crafted.join('; ')}`);
    for (const f of findings.list()) figures.push(`  finding: ${f}`);
    expect(findings.list()).toEqual([]);
    // The apiserver serves as before.
    expect((await t.client.list('Namespace')).items.length).toBeGreaterThan(0);
  }, 60_000);
});
