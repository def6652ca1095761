/**
 * Field selectors (k8s.io/apimachinery pkg/fields): `metadata.name=web,spec.nodeName!=node2`,
 * `==` as `=`, with `\,` `\=` and `\\` escapes in values. Which fields a kind can be selected by
 * is the apiserver's per-kind list (each registry's GetAttrs / SelectableFields); anything else
 * is refused with its message `field label not supported: <field>`.
 */
import { BadRequestError } from '../errors/api-errors.js';
import type { Kind, KubeObject } from '../types/object.js';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

type FieldGetter = (obj: Record<string, any>) => string;

const META: Record<string, FieldGetter> = {
  'metadata.name': (o) => o.metadata?.name ?? '',
  'metadata.namespace': (o) => o.metadata?.namespace ?? '',
};

const CLUSTER_META: Record<string, FieldGetter> = { 'metadata.name': META['metadata.name']! };

/** The selectable fields of each kind and how to read them, as the Kubernetes registries define them. */
export const SELECTABLE_FIELDS: Record<Kind, Record<string, FieldGetter>> = {
  Namespace: { ...CLUSTER_META, 'status.phase': (o) => o.status?.phase ?? '' },
  Node: { ...CLUSTER_META, 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
  Pod: {
    ...META,
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  Service: { ...META, 'spec.clusterIP': (o) => o.spec?.clusterIP ?? '', 'spec.type': (o) => o.spec?.type ?? '' },
  Endpoints: META,
  EndpointSlice: { ...META, addressType: (o) => o.addressType ?? '' },
  Lease: META,
  IPAddressPool: META,
  L2Advertisement: META,
  Role: META,
  ClusterRole: META,
  RoleBinding: META,
  ClusterRoleBinding: META,
  // pkg/registry/core/event/strategy.go: what `kubectl describe` selects an object's events by.
  Event: {
    ...META,
    'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => o.involvedObject?.name ?? '',
    'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
    reason: (o) => o.reason ?? '',
    reportingComponent: (o) => o.reportingComponent ?? '',
    source: (o) => o.source?.component || o.reportingComponent || '',
    type: (o) => o.type ?? '',
  },
};

export class FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  /** The value `metadata.name=x` requires, if the selector pins one (a fast path for lists). */
  exact(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.op === '=')?.value;
  }

  matches(obj: KubeObject): boolean {
    const fields = SELECTABLE_FIELDS[obj.kind];
    return this.requirements.every((r) => {
      const v = fields[r.field]?.(obj as unknown as Record<string, any>) ?? '';
      return r.op === '=' ? v === r.value : v !== r.value;
    });
  }

  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${r.value.replace(/([\\,=])/g, '\\$1')}`).join(',');
  }
}

function splitTerms(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unescape(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      const next = value[i + 1];
      if (next !== '\\' && next !== ',' && next !== '=') throw new BadRequestError(`invalid field selector: invalid escape sequence in value: ${JSON.stringify(value)}`);
      out += next;
      i++;
    } else if (c === '=' || c === ',') {
      throw new BadRequestError(`invalid field selector: unescaped ${c} in value: ${JSON.stringify(value)}`);
    } else out += c;
  }
  return out;
}

/** Parses a field selector for `kind`; an empty text selects everything. */
export function parseFieldSelector(text: string, kind: Kind): FieldSelector {
  if (text.trim() === '') return new FieldSelector([]);
  const reqs: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    const m = /^([^=!\\]+?)\s*(!=|==|=)(.*)$/s.exec(term);
    if (!m) throw new BadRequestError(`invalid field selector: '${term}' is not a valid field selector: a valid field selector must be of the form key=value, key==value, or key!=value`);
    const field = m[1]!.trim();
    if (!(field in SELECTABLE_FIELDS[kind])) throw new BadRequestError(`field label not supported: ${field}`);
    reqs.push({ field, op: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]!) });
  }
  return new FieldSelector(reqs);
}
