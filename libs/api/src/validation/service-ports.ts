/**
 * spec.ports of a Service: each port on its own (validateServicePort), then the checks across
 * ports (nodePort forbidden for ClusterIP, duplicate nodePorts, duplicate protocol+port).
 */
import { field, type FieldError } from '../errors/field-error.js';
import { validateDNS1123Label } from './dns.js';
import { goServicePortKey } from './go-format.js';
import { isSet, list, num, rec, str, type JsonRecord } from './json-access.js';
import { validateQualifiedName } from './label-validation.js';
import { isValidPortNum, validatePortNumOrName, validateProtocol } from './ports.js';

export function servicePortsOf(spec: JsonRecord): JsonRecord[] {
  return list(spec.ports).map(rec);
}

/** validateServicePort: name (required when there are several ports, a unique DNS-1123 label), port, protocol, targetPort, appProtocol. */
function validateServicePort(sp: JsonRecord, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(sp.name);
  if (requireName && name === '') {
    errs.push(field.required(`${path}.name`));
  } else if (name !== '') {
    errs.push(...validateDNS1123Label(name, `${path}.name`));
    if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
    else names.add(name);
  }
  const port = num(sp.port);
  for (const msg of isValidPortNum(port)) errs.push(field.invalid(`${path}.port`, port, msg));
  errs.push(...validateProtocol(str(sp.protocol), `${path}.protocol`));
  errs.push(...validatePortNumOrName(sp.targetPort, `${path}.targetPort`));
  if (isSet(sp.appProtocol)) errs.push(...validateQualifiedName(str(sp.appProtocol), `${path}.appProtocol`));
  return errs;
}

/** Step 5: every port on its own. */
export function validateServicePorts(ports: JsonRecord[]): FieldError[] {
  const names = new Set<string>();
  return ports.flatMap((p, i) => validateServicePort(p, ports.length > 1, names, `spec.ports[${i}]`));
}

/** Step 11: ClusterIP services may not ask for nodePorts. */
export function validateNoNodePortsForClusterIP(type: string, ports: JsonRecord[]): FieldError[] {
  if (type !== 'ClusterIP') return [];
  return ports.flatMap((p, i) => (num(p.nodePort) !== 0 ? [field.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'")] : []));
}

/** Step 12: a nodePort may appear once per protocol. */
export function validateDuplicateNodePorts(ports: JsonRecord[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const nodePort = num(p.nodePort);
    if (nodePort === 0) return;
    const key = `${str(p.protocol)}/${nodePort}`;
    if (seen.has(key)) errs.push(field.duplicate(`spec.ports[${i}].nodePort`, nodePort));
    seen.add(key);
  });
  return errs;
}

/** Step 13: a port may appear once per protocol; the bad value is the %#v of the (protocol, port) key. */
export function validateDuplicatePorts(ports: JsonRecord[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const protocol = str(p.protocol);
    const port = num(p.port);
    const key = `${protocol}/${port}`;
    if (seen.has(key)) errs.push(field.duplicate(`spec.ports[${i}]`, goServicePortKey(protocol, port)));
    seen.add(key);
  });
  return errs;
}
