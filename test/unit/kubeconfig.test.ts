import * as assert from 'node:assert/strict';
import { kubeconfigPaths, mergeKubeconfigs } from '../../src/core/kubeconfig';

const a = `
apiVersion: v1
kind: Config
current-context: aks-dev
clusters:
- name: aks-dev
  cluster: { server: https://aks-dev.hcp.westeurope.azmk8s.io:443 }
contexts:
- name: aks-dev
  context: { cluster: aks-dev, user: clusterUser_rg_aks-dev, namespace: workers }
`;
const b = `
current-context: other
clusters:
- name: kind
  cluster: { server: https://127.0.0.1:6443 }
contexts:
- name: aks-dev
  context: { cluster: kind, user: shadowed }
- name: kind-kind
  context: { cluster: kind, user: kind }
`;

describe('kubeconfig', () => {
  it('merges in KUBECONFIG order: first current-context and first context of a name win', () => {
    const m = mergeKubeconfigs([{ path: 'a', text: a }, { path: 'b', text: b }]);
    assert.equal(m.currentContext, 'aks-dev');
    assert.deepEqual(m.contexts.map((c) => c.name), ['aks-dev', 'kind-kind']);
    assert.equal(m.contexts[0].user, 'clusterUser_rg_aks-dev');
    assert.equal(m.contexts[0].namespace, 'workers');
    assert.equal(m.contexts[0].server, 'https://aks-dev.hcp.westeurope.azmk8s.io:443');
    assert.equal(m.contexts[1].server, 'https://127.0.0.1:6443');
  });
  it('skips invalid files and reports them', () => {
    const m = mergeKubeconfigs([{ path: 'bad', text: 'contexts: [\n' }, { path: 'b', text: b }]);
    assert.equal(m.currentContext, 'other');
    assert.equal(m.errors.length, 1);
    assert.match(m.errors[0], /^bad:\d+:\d+: not valid YAML: /);
  });
  it('empty files give no context', () => {
    assert.deepEqual(mergeKubeconfigs([{ path: 'e', text: '' }]), { currentContext: undefined, contexts: [], errors: [] });
  });
  it('paths: KUBECONFIG list (deduplicated) or ~/.kube/config', () => {
    const join = (...p: string[]) => p.join('/');
    assert.deepEqual(kubeconfigPaths({ KUBECONFIG: '/a:/b::/a' }, '/home/u', ':', join), ['/a', '/b']);
    assert.deepEqual(kubeconfigPaths({}, '/home/u', ':', join), ['/home/u/.kube/config']);
  });
});
