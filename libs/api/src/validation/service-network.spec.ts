import { describe, expect, it } from 'vitest';
import { CIDR, clusterIP, IP, loadBalancer, messages, nodePort, PORT_RANGE, QUALIFIED_3_PARTS, type Case } from '../testing/service-fixtures.js';

/** ValidateService steps 8-19: cluster IPs, external IPs, type, ports across, load balancer and traffic fields. */
const cases: Case[] = [
  // 8. clusterIPs and families
  { name: '8 clusterIPs required with clusterIP', svc: clusterIP, mutate: (s) => delete s.spec.clusterIPs, want: ['spec.clusterIPs: Required value'] },
  {
    name: '8 clusterIPs[0] must match clusterIP',
    svc: clusterIP,
    mutate: (s) => (s.spec.clusterIPs = ['10.96.0.6']),
    want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`'],
  },
  {
    name: '8 clusterIPs without clusterIP',
    svc: clusterIP,
    mutate: (s) => delete s.spec.clusterIP,
    want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.5"}: must be empty when `clusterIP` is not specified'],
  },
  {
    name: '8 ipFamilies supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.ipFamilies = ['IPv5']),
    want: ['spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'],
  },
  { name: '8 ipFamilies unique', svc: clusterIP, mutate: (s) => (s.spec.ipFamilies = ['IPv4', 'IPv4']), want: ['spec.ipFamilies[1]: Duplicate value: "IPv4"'] },
  {
    name: '8 ipFamilyPolicy supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.ipFamilyPolicy = 'DualStack'),
    want: ['spec.ipFamilyPolicy: Unsupported value: "DualStack": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"'],
  },
  {
    name: "8 'None' only alone",
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { clusterIP: 'None', clusterIPs: ['None', '10.96.0.5'] }),
    want: ['spec.clusterIPs: Invalid value: []string{"None", "10.96.0.5"}: \'None\' must be the first and only value'],
  },
  {
    name: '8 clusterIP a valid IP',
    svc: clusterIP,
    mutate: (s) => Object.assign(s.spec, { clusterIP: '10.96.0.300', clusterIPs: ['10.96.0.300'] }),
    want: [`spec.clusterIPs[0]: Invalid value: "10.96.0.300": ${IP}`],
  },
  {
    name: '8 at most two clusterIPs',
    svc: clusterIP,
    mutate: (s) => (s.spec.clusterIPs = ['10.96.0.5', 'fd00::5', '10.96.0.6']),
    want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.5", "fd00::5", "10.96.0.6"}: may only hold up to 2 values'],
  },
  {
    name: '8 one clusterIP per family',
    svc: clusterIP,
    mutate: (s) => (s.spec.clusterIPs = ['10.96.0.5', '10.96.0.6']),
    want: ['spec.clusterIPs: Invalid value: []string{"10.96.0.5", "10.96.0.6"}: may specify no more than one IP for each IP family'],
  },
  {
    name: '8 clusterIP matches its family',
    svc: clusterIP,
    mutate: (s) => (s.spec.ipFamilies = ['IPv6']),
    want: ['spec.clusterIPs[0]: Invalid value: "10.96.0.5": expected an IPv6 value as indicated by `ipFamilies[0]`'],
  },

  // 9. externalIPs
  ...(
    [
      ['1.2.3', IP],
      ['0.0.0.0', 'may not be unspecified (0.0.0.0)'],
      ['::', 'may not be unspecified (::)'],
      ['127.0.0.1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ['::1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
      ['169.254.169.254', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['fe80::1', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
      ['224.0.0.251', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
      ['ff02::1', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
    ] as const
  ).map(
    ([ip, msg]): Case => ({
      name: `9 externalIP ${ip}`,
      svc: clusterIP,
      mutate: (s) => Object.assign(s.spec, { externalIPs: ['80.11.12.10', ip], externalTrafficPolicy: 'Cluster' }),
      want: [`spec.externalIPs[1]: Invalid value: "${ip}": ${msg}`],
    }),
  ),

  // 10. type
  { name: '10 type required', svc: clusterIP, mutate: (s) => (s.spec.type = ''), want: ['spec.type: Required value'] },
  {
    name: '10 type supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.type = 'Headless'),
    want: ['spec.type: Unsupported value: "Headless": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
  },

  // 11-13. across ports
  {
    name: '11 no nodePort for ClusterIP',
    svc: clusterIP,
    mutate: (s) => (s.spec.ports[0].nodePort = 30080),
    want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
  },
  {
    name: '12 duplicate nodePort',
    svc: nodePort,
    mutate: (s) => s.spec.ports.push({ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443, nodePort: 30080 }),
    want: ['spec.ports[1].nodePort: Duplicate value: 30080'],
  },
  {
    name: '12 the same nodePort for TCP and UDP',
    svc: nodePort,
    mutate: (s) => s.spec.ports.push({ name: 'dns', protocol: 'UDP', port: 80, targetPort: 8080, nodePort: 30080 }),
    want: [],
  },
  {
    name: '13 duplicate protocol and port',
    svc: clusterIP,
    mutate: (s) => s.spec.ports.push({ name: 'web', protocol: 'TCP', port: 80, targetPort: 9090 }),
    want: [
      'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ],
  },

  // 14. source ranges
  {
    name: '14 source ranges only for LoadBalancer',
    svc: clusterIP,
    mutate: (s) => (s.spec.loadBalancerSourceRanges = ['10.0.0.0/8']),
    want: ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  {
    name: '14 source ranges are CIDRs',
    svc: loadBalancer,
    mutate: (s) => (s.spec.loadBalancerSourceRanges = [' 10.0.0.0/8 ', '10.0.0.0/33']),
    want: [`spec.LoadBalancerSourceRanges[1]: Invalid value: "10.0.0.0/33": ${CIDR}`],
  },
  {
    name: '14 source ranges annotation',
    svc: loadBalancer,
    mutate: (s) => (s.metadata.annotations = { 'service.beta.kubernetes.io/load-balancer-source-ranges': '10.0.0.0/8, bogus' }),
    want: [`metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]: Invalid value: "bogus": ${CIDR}`],
  },

  // 15. allocateLoadBalancerNodePorts
  {
    name: '15 allocateLoadBalancerNodePorts only for LoadBalancer',
    svc: nodePort,
    mutate: (s) => (s.spec.allocateLoadBalancerNodePorts = false),
    want: ["spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  { name: '15 allocateLoadBalancerNodePorts required for LoadBalancer', svc: loadBalancer, mutate: (s) => delete s.spec.allocateLoadBalancerNodePorts, want: ['allocateLoadBalancerNodePorts: Required value'] },

  // 16. loadBalancerClass
  {
    name: '16 loadBalancerClass only for LoadBalancer',
    svc: clusterIP,
    mutate: (s) => (s.spec.loadBalancerClass = 'example.com/lb'),
    want: ["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"],
  },
  {
    name: '16 loadBalancerClass a qualified name',
    svc: loadBalancer,
    mutate: (s) => (s.spec.loadBalancerClass = 'a/b/c'),
    want: [`spec.loadBalancerClass: Invalid value: "a/b/c": ${QUALIFIED_3_PARTS}`],
  },

  // 17. externalTrafficPolicy / healthCheckNodePort
  {
    name: '17 externalTrafficPolicy only when externally accessible',
    svc: clusterIP,
    mutate: (s) => (s.spec.externalTrafficPolicy = 'Local'),
    want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
  },
  { name: '17 externalTrafficPolicy required', svc: nodePort, mutate: (s) => delete s.spec.externalTrafficPolicy, want: ['spec.externalTrafficPolicy: Required value'] },
  {
    name: '17 externalTrafficPolicy supported',
    svc: nodePort,
    mutate: (s) => (s.spec.externalTrafficPolicy = 'Global'),
    want: ['spec.externalTrafficPolicy: Unsupported value: "Global": supported values: "Cluster", "Local"'],
  },
  {
    name: '17 healthCheckNodePort only for LoadBalancer Local',
    svc: nodePort,
    mutate: (s) => Object.assign(s.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 30100 }),
    want: ["spec.healthCheckNodePort: Invalid value: 30100: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"],
  },
  { name: '17 healthCheckNodePort required', svc: loadBalancer, mutate: (s) => (s.spec.externalTrafficPolicy = 'Local'), want: ['spec.healthCheckNodePort: Required value'] },
  {
    name: '17 healthCheckNodePort a port',
    svc: loadBalancer,
    mutate: (s) => Object.assign(s.spec, { externalTrafficPolicy: 'Local', healthCheckNodePort: 70000 }),
    want: [`spec.healthCheckNodePort: Invalid value: 70000: ${PORT_RANGE}`],
  },

  // 18. internalTrafficPolicy
  { name: '18 internalTrafficPolicy required', svc: clusterIP, mutate: (s) => delete s.spec.internalTrafficPolicy, want: ['spec.internalTrafficPolicy: Required value'] },
  {
    name: '18 internalTrafficPolicy supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.internalTrafficPolicy = 'Node'),
    want: ['spec.internalTrafficPolicy: Unsupported value: "Node": supported values: "Cluster", "Local"'],
  },

  // 19. trafficDistribution
  {
    name: '19 trafficDistribution supported',
    svc: clusterIP,
    mutate: (s) => (s.spec.trafficDistribution = 'Random'),
    want: ['spec.trafficDistribution: Unsupported value: "Random": supported values: "PreferClose"'],
  },
  { name: '19 trafficDistribution PreferClose', svc: clusterIP, mutate: (s) => (s.spec.trafficDistribution = 'PreferClose'), want: [] },
];

describe('validateObject(Service) - ValidateService rules 8-19', () => {
  it.each(cases)('$name', ({ svc, mutate, want }) => {
    const s = svc();
    mutate(s);
    expect(messages(s)).toEqual(want);
  });
});
