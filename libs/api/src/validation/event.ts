/**
 * ValidateEventCreate and ValidateEventUpdate as kube-apiserver applies them to core/v1 Events
 * (pkg/apis/core/validation/events.go, the legacy rules core/v1 keeps): an event without an
 * eventTime (what `kubectl describe` readers and client-go's recorder write) must name the same
 * namespace as the object it is about (or none, for a cluster-scoped object, from "default");
 * one with an eventTime (written the events.k8s.io way) needs its reporting component and
 * instance, action and reason, within their lengths. The namespace is a DNS subdomain.
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Event } from '../types/event.js';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from './dns.js';
import { isQualifiedName } from './label-validation.js';
import { rec, str } from './json-access.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';

const REASON_LIMIT = 128;
const ACTION_LIMIT = 128;
const REPORTING_INSTANCE_LIMIT = 128;
const NOTE_LIMIT = 1024;

function validateEventFields(ev: Event): FieldError[] {
  const e = rec(ev);
  const errs: FieldError[] = [];
  const namespace = str(rec(e.metadata).namespace);
  const involvedNamespace = str(rec(e.involvedObject).namespace);
  const mismatch = () => field.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace');
  if (!str(e.eventTime)) {
    if (involvedNamespace === '' ? namespace !== '' && namespace !== 'default' : namespace !== involvedNamespace) errs.push(mismatch());
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') errs.push(mismatch());
    const component = str(e.reportingComponent);
    if (!component) errs.push(field.required('reportingComponent'));
    for (const msg of component ? isQualifiedName(component) : []) errs.push(field.invalid('reportingComponent', component, msg));
    const instance = str(e.reportingInstance);
    if (!instance) errs.push(field.required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(field.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = str(e.action);
    if (!action) errs.push(field.required('action'));
    if (action.length > ACTION_LIMIT) errs.push(field.invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(e.reason);
    if (!reason) errs.push(field.required('reason'));
    if (reason.length > REASON_LIMIT) errs.push(field.invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (str(e.message).length > NOTE_LIMIT) errs.push(field.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  for (const msg of namespace ? isDNS1123Subdomain(namespace) : []) errs.push(field.invalid('namespace', namespace, msg));
  return errs;
}

export function validateEvent(ev: Event): FieldError[] {
  return [...validateObjectMeta(rec(ev).metadata, true, nameIsDNSSubdomain), ...validateEventFields(ev)];
}

export function validateEventUpdate(ev: Event, old: Event): FieldError[] {
  return [...validateObjectMetaUpdate(rec(ev).metadata, rec(old).metadata), ...validateEventFields(ev)];
}
