/** Test fixtures and expected message texts shared by the Service validation specs (in src/testing: test code only). */
import { formatFieldError } from '../errors/field-error.js';
import type { Service } from '../types/core.js';
import { validateObject } from '../validation/validate-object.js';

export type Mutable = { metadata: any; spec: any; status?: any };

/** A defaulted, prepared, valid ClusterIP Service. */
export function clusterIP(): Service & Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'my-svc', namespace: 'default' },
    spec: {
      type: 'ClusterIP',
      selector: { app: 'web' },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }],
      clusterIP: '10.96.0.5',
      clusterIPs: ['10.96.0.5'],
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
    },
  } as Service & Mutable;
}

export function nodePort(): Service & Mutable {
  const s = clusterIP();
  s.spec.type = 'NodePort';
  s.spec.externalTrafficPolicy = 'Cluster';
  s.spec.ports[0].nodePort = 30080;
  return s;
}

export function loadBalancer(): Service & Mutable {
  const s = nodePort();
  s.spec.type = 'LoadBalancer';
  s.spec.allocateLoadBalancerNodePorts = true;
  return s;
}

export function externalName(): Service & Mutable {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ext', namespace: 'default' },
    spec: { type: 'ExternalName', externalName: 'www.baidu.com', sessionAffinity: 'None' },
  } as Service & Mutable;
}

export const messages = (svc: Service) => validateObject(svc).map(formatFieldError);

export const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
export const DNS1123_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
export const LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
export const QUALIFIED_3_PARTS =
  "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
export const IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
export const PORT_RANGE = 'must be between 1 and 65535, inclusive';


export interface Case {
  name: string;
  svc: () => Service & Mutable;
  mutate: (s: Service & Mutable) => void;
  want: string[];
}

