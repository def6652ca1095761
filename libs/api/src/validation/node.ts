/** ValidateNode and ValidateNodeUpdate: podCIDRs, addresses, and what a node update may change. */
import { field, type FieldError } from '../errors/field-error.js';
import type { Node } from '../types/core.js';
import { nameIsDNSSubdomain } from './dns.js';
import { goNodeAddress } from './go-format.js';
import { isValidCIDR } from './ip.js';
import { parseCIDRSloppy } from '../net/ip.js';
import { list, rec, str, strings } from './json-access.js';
import { isValidLabelValue, validateQualifiedName } from './label-validation.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { pushAll } from '../util/arrays.js';

/** The pod CIDRs as the internal type holds them: podCIDRs, or [podCIDR] when only that is set. */
export function effectivePodCIDRs(node: Node): string[] {
  const spec = rec(rec(node).spec);
  const cidrs = strings(spec.podCIDRs);
  if (cidrs.length === 0 && str(spec.podCIDR)) return [str(spec.podCIDR)];
  return cidrs;
}

function validatePodCIDRs(cidrs: string[]): FieldError[] {
  const path = 'spec.podCIDRs';
  const errs: FieldError[] = [];
  cidrs.forEach((c, i) => errs.push(...isValidCIDR(`${path}[${i}]`, c)));
  if (cidrs.length > 1) {
    const parsed = cidrs.map(parseCIDRSloppy);
    const bad = parsed.findIndex((p) => !p);
    if (bad >= 0) {
      errs.push(
        field.internal(path, `invalid PodCIDRs. failed to check with dual stack with error:invalid CIDR[${bad}]: <nil> (invalid CIDR address: ${cidrs[bad]})`),
      );
    }
    const families = new Set(parsed.map((p) => p?.family));
    const dualStack = bad < 0 && families.has('IPv4') && families.has('IPv6');
    if (!dualStack || cidrs.length > 2) errs.push(field.invalid(path, cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(field.duplicate(`${path}[${i}]`, c));
      seen.add(c);
    });
  }
  return errs;
}

/** No address (type and value) listed twice; Kubernetes checks this on update, minimesh also on create. */
function validateNodeAddresses(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  list(rec(rec(node).status).addresses)
    .map(rec)
    .forEach((a, i) => {
      const type = str(a.type);
      const address = str(a.address);
      const key = JSON.stringify([type, address]);
      if (seen.has(key)) errs.push(field.duplicate(`status.addresses[${i}]`, goNodeAddress(type, address)));
      seen.add(key);
    });
  return errs;
}

/** ValidateNode (create, and the first half of an update). */
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

/** validateNodeTaints: a qualified-name key, a label-value value, one of the three effects. */
function validateNodeTaints(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  list(rec(rec(node).spec).taints).forEach((t, i) => {
    const taint = rec(t);
    const path = `spec.taints[${i}]`;
    pushAll(errs, validateQualifiedName(str(taint.key), `${path}.key`));
    for (const msg of isValidLabelValue(str(taint.value))) errs.push(field.invalid(`${path}.value`, str(taint.value), msg));
    if (!TAINT_EFFECTS.includes(str(taint.effect))) {
      errs.push(str(taint.effect) === '' ? field.required(`${path}.effect`) : field.notSupported(`${path}.effect`, str(taint.effect), TAINT_EFFECTS));
    }
  });
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  return [
    ...validateObjectMeta(rec(node).metadata, false, nameIsDNSSubdomain),
    ...validatePodCIDRs(effectivePodCIDRs(node)),
    ...validateNodeTaints(node),
    ...validateNodeAddresses(node),
  ];
}

const POD_CIDR_CHANGE = 'node updates may not change podCIDR except from "" to valid';

/** ValidateNodeUpdate: podCIDRs and providerID are fixed once set. Also the whole of a status update. */
export function validateNodeUpdateRules(node: Node, old: Node): FieldError[] {
  const errs = validateObjectMetaUpdate(rec(node).metadata, rec(old).metadata);
  pushAll(errs, validateNodeTaints(node));
  pushAll(errs, validateNodeAddresses(node));
  const oldCIDRs = effectivePodCIDRs(old);
  const newCIDRs = effectivePodCIDRs(node);
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(field.forbidden('spec.podCIDRs', POD_CIDR_CHANGE));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(field.forbidden('spec.podCIDRs', POD_CIDR_CHANGE)));
  }
  const oldProvider = str(rec(rec(old).spec).providerID);
  if (oldProvider && oldProvider !== str(rec(rec(node).spec).providerID)) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

/** The node strategy's ValidateUpdate: ValidateNode, then ValidateNodeUpdate. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  return [...validateNode(node), ...validateNodeUpdateRules(node, old)];
}
