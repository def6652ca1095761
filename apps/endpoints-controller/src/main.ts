/** minimesh-endpoints-controller: Endpoints and EndpointSlices for Services; slices mirrored from hand-written Endpoints. */
import { runApp } from '@minimesh/runtime';
import { startEndpointsControllerApp } from './app.js';
import { CONTROLLER_FLAGS, validateControllerOptions } from './options.js';

runApp({
  name: 'minimesh-endpoints-controller',
  description:
    'The minimesh endpoints controller: keeps an Endpoints object and EndpointSlices (kubernetes.io/service-name)\n' +
    'for every Service with a selector, mirrors hand-written Endpoints of selector-less Services into EndpointSlices,\n' +
    'and cleans up orphans. Several replicas may run: a Lease in kube-system elects the one that writes.',
  flags: CONTROLLER_FLAGS,
  validate: validateControllerOptions,
  start: (o, log) => startEndpointsControllerApp(o, log),
});
