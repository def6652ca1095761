import { describe, expect, it } from 'vitest';
import { kubeconfigText } from './kubeconfig.js';
import { stateLayout, type ClusterState } from './state.js';

const layout = stateLayout('demo', { MINIMESH_CLUSTER_STATE_DIR: '/run/minimesh' });
const state = { name: 'demo', apiserver: { address: '127.0.0.1:1', unix: 'unix:///x.sock', http: '127.0.0.1:2', rest: '127.0.0.1:3' } } as ClusterState;

describe('kubeconfig', () => {
  it('points kubectl at the REST API with the cluster CA and the admin certificate', () => {
    const kc = kubeconfigText(state, layout)!;
    expect(kc).toContain('    server: https://127.0.0.1:3\n');
    expect(kc).toMatch(/ {4}certificate-authority: "\/run\/minimesh\/demo\/\S*ca\.crt"\n/);
    expect(kc).toMatch(/ {4}client-certificate: "\S+\/admin\.crt"\n {4}client-key: "\S+\/admin\.key"\n/);
    expect(kc).toContain('current-context: minimesh-demo\n');
    expect(kc).toContain('  context:\n    cluster: minimesh-demo\n    user: minimesh-demo-admin\n');
  });

  it('is not there for a cluster whose apiserver serves no REST API', () => {
    expect(kubeconfigText({ ...state, apiserver: { ...state.apiserver, rest: undefined } }, layout)).toBeUndefined();
  });
});
