import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidNameError } from '../../src/core/names';
import { deletePod, describePod, podLogs } from '../../src/tools/kubectl';
import { childEnv, kubectl, kubectlJson, rigEnv, tmp, waitFor } from '../rig/tests/rig';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes JSON from the real kubectl */

/**
 * Pod names come from the cluster, or from whatever answers as one: the rig's API server stores a
 * pod named "--all" (a real one refuses such a name, a proxy or a stand-in need not). Delete Pod on
 * it must not become `kubectl delete pod --all`.
 */
describe('names from the cluster never reach kubectl as options (against the rig)', function () {
  this.timeout(120_000);
  const ns = `names-${process.pid}`;
  let env: NodeJS.ProcessEnv;
  const o = () => ({ paths: { kubectl: rigEnv().RIG_KUBECTL }, env: env as Record<string, string> });
  const podNames = async () => ((await kubectlJson(['get', 'pods', '-n', ns])).items as any[]).map((p) => p.metadata.name as string).sort();

  before(async () => {
    env = childEnv();
    await kubectl(['create', 'namespace', ns], { env });
    for (const name of ['worker-a', 'worker-b', '--all', '--kubeconfig=x']) {
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      await kubectl(['create', '-n', ns, '-f', '-'], { env, input: JSON.stringify(pod) });
    }
    assert.deepEqual(await podNames(), ['--all', '--kubeconfig=x', 'worker-a', 'worker-b']);
  });
  after(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false'], { env }).catch(() => undefined);
  });

  it('Delete Pod on a pod named --all is refused and deletes nothing', async () => {
    await assert.rejects(deletePod('--all', ns, o()), (e: unknown) => e instanceof InvalidNameError && /"--all" is not a valid pod name/.test(e.message));
    await new Promise((r) => setTimeout(r, 1500)); // a delete would have landed by now
    assert.deepEqual(await podNames(), ['--all', '--kubeconfig=x', 'worker-a', 'worker-b']);
  });

  it('Describe and Logs on a pod named --kubeconfig=FILE are refused and never load that file', async () => {
    // A kubeconfig whose user runs an exec plugin: kubectl would run it if it read the file.
    const dir = tmp('names-kubeconfig');
    const marker = join(dir, 'plugin-ran');
    const plugin = join(dir, 'plugin.sh');
    writeFileSync(plugin, `#!/bin/sh\ntouch "${marker}"\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'\n`);
    chmodSync(plugin, 0o755);
    const evil = join(dir, 'x');
    writeFileSync(evil, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'e',
      clusters: [{ name: 'e', cluster: { server: rigEnv().RIG_KUBE_SERVER, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'e', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' } } }],
      contexts: [{ name: 'e', context: { cluster: 'e', user: 'e' } }],
    }));
    await assert.rejects(describePod(`--kubeconfig=${evil}`, ns, o()), InvalidNameError);
    await assert.rejects(podLogs(`--kubeconfig=${evil}`, ns, o()), InvalidNameError);
    assert.ok(!existsSync(marker), 'the exec plugin of the named kubeconfig did not run');
  });

  it('Delete Pod on a valid name deletes that pod only (pod/NAME)', async () => {
    await deletePod('worker-a', ns, o());
    await waitFor('worker-a gone', async () => !(await podNames()).includes('worker-a'), 20_000);
    assert.deepEqual(await podNames(), ['--all', '--kubeconfig=x', 'worker-b']);
  });
});
