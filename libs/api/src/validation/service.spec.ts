import { describe, expect, it } from 'vitest';
import { formatFieldError } from '../errors/field-error.js';
import { InvalidError } from '../errors/api-errors.js';
import { validateObject } from './validate-object.js';
import {
  clusterIP,
  DNS1035,
  DNS1123_LABEL,
  DNS1123_SUBDOMAIN,
  externalName,
  LABEL_VALUE,
  loadBalancer,
  messages,
  NAME_PART,
  nodePort,
  PORT_RANGE,
  QUALIFIED_3_PARTS,
  type Case,
} from '../testing/service-fixtures.js';

const cases: Case[] = [
  // valid baselines
  { name: 'valid ClusterIP', svc: clusterIP, mutate: () => {}, want: [] },
  { name: 'valid NodePort', svc: nodePort, mutate: () => {}, want: [] },
  { name: 'valid LoadBalancer', svc: loadBalancer, mutate: () => {}, want: [] },
  { name: 'valid ExternalName', svc: externalName, mutate: () => {}, want: [] },
  { name: 'valid ExternalName with trailing dot', svc: externalName, mutate: (s) => (s.spec.externalName = 'www.baidu.com.'), want: [] },
  {
    name: 'valid headless without ports',
    svc: clusterIP,
    mutate: (s) => {
      s.spec.clusterIP = 'None';
      s.spec.clusterIPs = ['None'];
      s.spec.ports = [];
    },
    want: [],
  },
  { name: 'valid LB Local with health check port', svc: loadBalancer, mutate: (s) => Object.assign(s.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }), want: [] },

  // 1. ObjectMeta
  { name: '1 name not a DNS-1035 label', svc: clusterIP, mutate: (s) => (s.metadata.name = 'My_Svc'), want: [`metadata.name: Invalid value: "My_Svc": ${DNS1035}`] },
  { name: '1 name starting with a digit', svc: clusterIP, mutate: (s) => (s.metadata.name = '1svc'), want: [`metadata.name: Invalid value: "1svc": ${DNS1035}`] },
  {
    name: '1 name too long',
    svc: clusterIP,
    mutate: (s) => (s.metadata.name = 'a'.repeat(64)),
    want: [`metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`],
  },
  { name: '1 name missing', svc: clusterIP, mutate: (s) => delete s.metadata.name, want: ['metadata.name: Required value: name or generateName is required'] },
  {
    name: '1 generateName checked as a prefix (trailing dash allowed)',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.metadata, { name: 'web-x7k2p', generateName: 'web-' }),
    want: [],
  },
  {
    name: '1 bad generateName',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.metadata, { name: 'web-x7k2p', generateName: 'Web-' }),
    want: [`metadata.generateName: Invalid value: "Web-": ${DNS1035}`],
  },
  { name: '1 namespace missing', svc: clusterIP, mutate: (s) => delete s.metadata.namespace, want: ['metadata.namespace: Required value'] },
  { name: '1 namespace not a DNS-1123 label', svc: clusterIP, mutate: (s) => (s.metadata.namespace = 'my.ns'), want: ['metadata.namespace: Invalid value: "my.ns": must not contain dots'] },
  { name: '1 namespace with capitals', svc: clusterIP, mutate: (s) => (s.metadata.namespace = 'Prod'), want: [`metadata.namespace: Invalid value: "Prod": ${DNS1123_LABEL}`] },
  { name: '1 label key', svc: clusterIP, mutate: (s) => (s.metadata.labels = { 'bad key': 'x' }), want: [`metadata.labels: Invalid value: "bad key": ${NAME_PART}`] },
  { name: '1 label value', svc: clusterIP, mutate: (s) => (s.metadata.labels = { app: '-web' }), want: [`metadata.labels: Invalid value: "-web": ${LABEL_VALUE}`] },
  {
    name: '1 label prefix',
    svc: clusterIP,
    mutate: (s) => (s.metadata.labels = { 'Example.com/app': 'web' }),
    want: [`metadata.labels: Invalid value: "Example.com/app": prefix part ${DNS1123_SUBDOMAIN}`],
  },
  { name: '1 annotation key with two slashes', svc: clusterIP, mutate: (s) => (s.metadata.annotations = { 'a/b/c': 'x' }), want: [`metadata.annotations: Invalid value: "a/b/c": ${QUALIFIED_3_PARTS}`] },
  { name: '1 annotation keys are case-insensitive', svc: clusterIP, mutate: (s) => (s.metadata.annotations = { 'Example.COM/Note': 'x' }), want: [] },

  // 2. topology annotations
  {
    name: '2 topology-mode must match topology-aware-hints',
    svc: clusterIP,
    mutate: (s) =>
      (s.metadata.annotations = { 'service.kubernetes.io/topology-mode': 'Auto', 'service.kubernetes.io/topology-aware-hints': 'Disabled' }),
    want: [
      'metadata.annotations[service.kubernetes.io/topology-mode]: Invalid value: "Auto": must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified',
    ],
  },

  // 3. ports required
  { name: '3 ports required', svc: clusterIP, mutate: (s) => (s.spec.ports = []), want: ['spec.ports: Required value'] },

  // 4. type-specific
  {
    name: '4 LoadBalancer may not be headless',
    svc: loadBalancer,
    mutate: (s) => Object.assign(s.spec, { clusterIP: 'None', clusterIPs: ['None'] }),
    want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for LoadBalancer services"],
  },
  {
    name: '4 NodePort may not be headless',
    svc: nodePort,
    mutate: (s) => Object.assign(s.spec, { clusterIP: 'None', clusterIPs: ['None'] }),
    want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
  },
  {
    name: '4 ExternalName may not have clusterIPs, ipFamilies or ipFamilyPolicy',
    svc: externalName,
    mutate: (s) => Object.assign(s.spec, { clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' }),
    want: [
      'spec.clusterIPs: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilies: Forbidden: may not be set for ExternalName services',
      'spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services',
    ],
  },
  { name: '4 externalName required', svc: externalName, mutate: (s) => delete s.spec.externalName, want: ['spec.externalName: Required value'] },
  { name: '4 externalName "." is empty', svc: externalName, mutate: (s) => (s.spec.externalName = '.'), want: ['spec.externalName: Required value'] },
  { name: '4 externalName a DNS subdomain', svc: externalName, mutate: (s) => (s.spec.externalName = 'My_Host.com'), want: [`spec.externalName: Invalid value: "My_Host.com": ${DNS1123_SUBDOMAIN}`] },

  // 5. ports
  {
    name: '5 several ports need names',
    svc: clusterIP,
    mutate: (s) => s.spec.ports.push({ protocol: 'TCP', port: 443, targetPort: 8443 }),
    want: ['spec.ports[1].name: Required value'],
  },
  { name: '5 port name a DNS-1123 label', svc: clusterIP, mutate: (s) => (s.spec.ports[0].name = 'HTTP'), want: [`spec.ports[0].name: Invalid value: "HTTP": ${DNS1123_LABEL}`] },
  {
    name: '5 port names unique',
    svc: clusterIP,
    mutate: (s) => s.spec.ports.push({ name: 'http', protocol: 'TCP', port: 443, targetPort: 8443 }),
    want: ['spec.ports[1].name: Duplicate value: "http"'],
  },
  { name: '5 port 0', svc: clusterIP, mutate: (s) => (s.spec.ports[0].port = 0), want: [`spec.ports[0].port: Invalid value: 0: ${PORT_RANGE}`] },
  { name: '5 port 65536', svc: clusterIP, mutate: (s) => (s.spec.ports[0].port = 65536), want: [`spec.ports[0].port: Invalid value: 65536: ${PORT_RANGE}`] },
  { name: '5 protocol required', svc: clusterIP, mutate: (s) => (s.spec.ports[0].protocol = ''), want: ['spec.ports[0].protocol: Required value'] },
  {
    name: '5 protocol supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].protocol = 'HTTP'),
    want: ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
  },
  { name: '5 targetPort 0', svc: clusterIP, mutate: (s) => (s.spec.ports[0].targetPort = 0), want: [`spec.ports[0].targetPort: Invalid value: 0: ${PORT_RANGE}`] },
  { name: '5 targetPort absent reads as 0', svc: clusterIP, mutate: (s) => delete s.spec.ports[0].targetPort, want: [`spec.ports[0].targetPort: Invalid value: 0: ${PORT_RANGE}`] },
  { name: '5 targetPort by name', svc: clusterIP, mutate: (s) => (s.spec.ports[0].targetPort = 'web'), want: [] },
  {
    name: '5 targetPort name too long',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].targetPort = 'a-very-long-port-name'),
    want: ['spec.ports[0].targetPort: Invalid value: "a-very-long-port-name": must be no more than 15 characters'],
  },
  {
    name: '5 targetPort name with capitals',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].targetPort = 'HTTP'),
    want: [
      'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)',
    ],
  },
  {
    name: '5 targetPort numeric string',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].targetPort = '8080'),
    want: ['spec.ports[0].targetPort: Invalid value: "8080": must contain at least one letter (a-z)'],
  },
  {
    name: '5 targetPort hyphens',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].targetPort = '-a--b'),
    want: [
      'spec.ports[0].targetPort: Invalid value: "-a--b": must not contain consecutive hyphens',
      'spec.ports[0].targetPort: Invalid value: "-a--b": must not begin or end with a hyphen',
    ],
  },
  {
    name: '5 appProtocol a qualified name',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].appProtocol = 'a/b/c'),
    want: [`spec.ports[0].appProtocol: Invalid value: "a/b/c": ${QUALIFIED_3_PARTS}`],
  },
  { name: '5 appProtocol kubernetes.io/h2c', svc: clusterIP, mutate: (s) => (s.spec.ports[0].appProtocol = 'kubernetes.io/h2c'), want: [] },

  // 6. selector
  { name: '6 selector keys', svc: clusterIP, mutate: (s) => (s.spec.selector = { 'app name': 'web' }), want: [`spec.selector: Invalid value: "app name": ${NAME_PART}`] },
  {
    name: '6 selector values',
    svc: clusterIP,
    mutate: (s) => (s.spec.selector = { app: 'x'.repeat(64) }),
    want: [`spec.selector: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`],
  },

  // 7. session affinity
  { name: '7 sessionAffinity required', svc: clusterIP, mutate: (s) => (s.spec.sessionAffinity = ''), want: ['spec.sessionAffinity: Required value'] },
  {
    name: '7 sessionAffinity supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.sessionAffinity = 'Sticky'),
    want: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
  },
  {
    name: '7 ClientIP needs a config',
    svc: clusterIP,
    mutate: (s) => (s.spec.sessionAffinity = 'ClientIP'),
    want: ['spec.sessionAffinityConfig: Required value: when session affinity type is ClientIP'],
  },
  {
    name: '7 ClientIP needs clientIP',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: {} }),
    want: ['spec.sessionAffinityConfig.clientIP: Required value: when session affinity type is ClientIP'],
  },
  {
    name: '7 ClientIP needs timeoutSeconds',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: {} } }),
    want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Required value: when session affinity type is ClientIP'],
  },
  {
    name: '7 timeoutSeconds 0',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }),
    want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400'],
  },
  {
    name: '7 timeoutSeconds 86401',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
  },
  {
    name: '7 timeoutSeconds 86400 is allowed',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } } }),
    want: [],
  },
  {
    name: '7 None forbids a config',
    svc: clusterIP,
    mutate: (s) => (s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10 } }),
    want: ['spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None'],
  },

];

describe('validateObject(Service) - ValidateService rules', () => {
  it.each(cases)('$name', ({ svc, mutate, want }) => {
    const s = svc();
    mutate(s);
    expect(messages(s)).toEqual(want);
  });
});

describe('validateObject(Service) - every error at once', () => {
  it('reports errors of several steps in Kubernetes order', () => {
    const s = clusterIP();
    s.metadata.name = 'My_Svc';
    s.spec.ports.push({ protocol: 'HTTP', port: 0, targetPort: 80 });
    s.spec.sessionAffinity = 'ClientIP';
    s.spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 86401 } };
    s.spec.externalTrafficPolicy = 'Local';
    expect(messages(s)).toEqual([
      `metadata.name: Invalid value: "My_Svc": ${DNS1035}`,
      'spec.ports[1].name: Required value',
      `spec.ports[1].port: Invalid value: 0: ${PORT_RANGE}`,
      'spec.ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400',
      'spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    ]);
  });

  it('becomes the 422 message, as kubectl shows it after "The "', () => {
    const s = clusterIP();
    s.spec.ports[0].port = 0;
    s.spec.type = 'Foo';
    const err = new InvalidError('Service', 'my-svc', validateObject(s));
    expect(err.status.code).toBe(422);
    expect(err.message).toBe(
      `Service "my-svc" is invalid: [spec.ports[0].port: Invalid value: 0: ${PORT_RANGE}, spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]`,
    );
  });

  it('keeps FieldError types and fields for the causes', () => {
    const s = clusterIP();
    s.spec.ports[0].port = 0;
    expect(validateObject(s)).toEqual([{ type: 'FieldValueInvalid', field: 'spec.ports[0].port', badValue: 0, detail: PORT_RANGE }]);
  });
});
