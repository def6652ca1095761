/**
 * Pod validation, the parts minimesh uses: metadata, containers (names, ports), nodeName,
 * hostname/subdomain, and the status IPs (which in minimesh arrive with the Pod).
 */
import { field, type FieldError } from '../errors/field-error.js';
import type { Pod } from '../types/core.js';
import { nameIsDNSSubdomain, validateDNS1123Label } from './dns.js';
import { goPodIP, goPodIPs } from './go-format.js';
import { isValidIP } from './ip.js';
import { ipFamilyOf } from '../net/ip.js';
import { isSet, list, num, rec, str, type JsonRecord } from './json-access.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './object-meta.js';
import { isValidPortName, isValidPortNum, validateProtocol } from './ports.js';
import { pushAll } from '../util/arrays.js';

/** validateContainerPorts: names are unique IANA service names, containerPort required and valid, hostPort valid. */
function validateContainerPorts(ports: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list(ports)
    .map(rec)
    .forEach((port, i) => {
      const p = `${path}[${i}]`;
      const name = str(port.name);
      if (name.length > 0) {
        const msgs = isValidPortName(name);
        if (msgs.length) for (const msg of msgs) errs.push(field.invalid(`${p}.name`, name, msg));
        else if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
        else names.add(name);
      }
      const containerPort = num(port.containerPort);
      if (containerPort === 0) errs.push(field.required(`${p}.containerPort`));
      else for (const msg of isValidPortNum(containerPort)) errs.push(field.invalid(`${p}.containerPort`, containerPort, msg));
      const hostPort = num(port.hostPort);
      if (hostPort !== 0) for (const msg of isValidPortNum(hostPort)) errs.push(field.invalid(`${p}.hostPort`, hostPort, msg));
      errs.push(...validateProtocol(str(port.protocol), `${p}.protocol`));
    });
  return errs;
}

/** validateContainerCommon (name and ports) over a list; names unique across `seen`. */
function validateContainerList(containers: JsonRecord[], path: string, seen: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = str(c.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else errs.push(...validateDNS1123Label(name, `${p}.name`));
    pushAll(errs, validateContainerPorts(c.ports, `${p}.ports`));
    if (seen.has(name)) errs.push(field.duplicate(`${p}.name`, name));
    else seen.add(name);
  });
  return errs;
}

function validatePodSpec(spec: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const containers = list(spec.containers).map(rec);
  const seen = new Set<string>();
  if (containers.length === 0) errs.push(field.required('spec.containers'));
  else pushAll(errs, validateContainerList(containers, 'spec.containers', seen));
  pushAll(errs, validateContainerList(list(spec.initContainers).map(rec), 'spec.initContainers', seen));
  const nodeName = str(spec.nodeName);
  if (nodeName) for (const msg of nameIsDNSSubdomain(nodeName, false)) errs.push(field.invalid('spec.nodeName', nodeName, msg));
  const hostname = str(spec.hostname);
  if (hostname) errs.push(...validateDNS1123Label(hostname, 'spec.hostname'));
  const subdomain = str(spec.subdomain);
  if (subdomain) errs.push(...validateDNS1123Label(subdomain, 'spec.subdomain'));
  if (isSet(spec.terminationGracePeriodSeconds) && num(spec.terminationGracePeriodSeconds) < 0) {
    errs.push(field.invalid('spec.terminationGracePeriodSeconds', num(spec.terminationGracePeriodSeconds), 'must be greater than or equal to 0'));
  }
  return errs;
}

/** The pod IPs as the internal type holds them: status.podIP is authoritative for podIPs[0]. */
function effectivePodIPs(status: JsonRecord): string[] {
  const podIP = str(status.podIP);
  const podIPs = list(status.podIPs).map((x) => str(rec(x).ip));
  if (podIP && (podIPs.length === 0 || podIPs[0] !== podIP)) return [podIP];
  return podIPs;
}

/** validatePodIPs and the hostIP check of ValidatePodStatusUpdate. */
function validatePodStatusIPs(status: JsonRecord): FieldError[] {
  const errs: FieldError[] = [];
  const ips = effectivePodIPs(status);
  ips.forEach((ip, i) => errs.push(...isValidIP(`status.podIPs[${i}]`, ip)));
  if (ips.length > 1) {
    const families = new Set(ips.map((ip) => ipFamilyOf(ip)));
    const dualStack = !families.has(undefined) && families.has('IPv4') && families.has('IPv6');
    if (families.has(undefined)) {
      const bad = ips.find((ip) => !ipFamilyOf(ip))!;
      errs.push(field.internal('status.podIPs', `failed to check for dual stack with error:failed to parse ${bad} as an IP`));
    }
    if (!dualStack || ips.length > 2) errs.push(field.invalid('status.podIPs', goPodIPs(ips), 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    ips.forEach((ip, i) => {
      if (seen.has(ip)) errs.push(field.duplicate(`status.podIPs[${i}]`, goPodIP(ip)));
      seen.add(ip);
    });
  }
  const hostIP = str(status.hostIP);
  if (hostIP) errs.push(...isValidIP('status.hostIPs[0]', hostIP));
  return errs;
}

/** ValidatePod (create, and the first half of an update). */
export function validatePod(pod: Pod): FieldError[] {
  const p = rec(pod);
  return [...validateObjectMeta(p.metadata, true, nameIsDNSSubdomain), ...validatePodSpec(rec(p.spec)), ...validatePodStatusIPs(rec(p.status))];
}

/** ValidatePod, then the metadata update rules (pod spec immutability is not enforced). */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  return [...validatePod(pod), ...validateObjectMetaUpdate(rec(pod).metadata, rec(old).metadata)];
}

/** ValidatePodStatusUpdate: metadata update rules and the status IPs. */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  return [...validateObjectMetaUpdate(rec(pod).metadata, rec(old).metadata), ...validatePodStatusIPs(rec(rec(pod).status))];
}
