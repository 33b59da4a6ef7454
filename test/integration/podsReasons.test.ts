import * as assert from 'node:assert/strict';
import { runCli } from '../support/runCli';
import { childEnv, control, kubectl, kubectlJson, rigEnv, waitFor } from '../rig/tests/rig';

/** Runs the CLI in this process with the rig's environment (kubeconfig, a fresh HOME). */
const cli = (args: string[]) => runCli(args, childEnv());

const RELEASE = 'reasons';

/** A bare pod of the release (as a chart's Deployment would label it) with the rig's health behaviour. */
function podManifest(name: string, ns: string, health: Record<string, unknown>, container: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { 'app.kubernetes.io/instance': RELEASE, 'app.kubernetes.io/name': 'worker' }, annotations: { 'rig.aks-worker.test/health': JSON.stringify(health) } },
    spec: { restartPolicy: 'Always', containers: [{ name: 'worker', image: 'rig.local/worker:1.0.0', ports: [{ name: 'health', containerPort: 8080 }], ...container }] },
  });
}

interface Reason {
  kind: string;
  title: string;
  detail: string;
  when: string;
  exitCode?: number;
  probe?: { probe: string; failures: number; kills: number; failureThreshold: number; lastMessage: string; cause: string };
  logLines?: string[];
}

describe('aks-worker pods: why each container of a release restarted, against the rig', function () {
  this.timeout(240_000);
  const ns = `reasons-${process.pid}`;
  const kube = () => ['--kubectl', rigEnv().RIG_KUBECTL!];

  before(async () => {
    // Kubernetes time runs 10× faster: a probe period of 10 s takes 1 s.
    await control('POST', 'config', { timeScale: 0.1 });
    await kubectl(['create', 'namespace', ns]);
    const liveness = { httpGet: { path: '/healthz', port: 'health' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 4 };
    for (const m of [
      podManifest('hangs', ns, { mode: 'hang' }, { livenessProbe: liveness }),
      podManifest('crashes', ns, { mode: 'crash', exitCode: 3, afterSeconds: 3 }),
      podManifest('eats-memory', ns, { mode: 'oom', afterSeconds: 3 }, { resources: { limits: { memory: '64Mi' } } }),
    ]) {
      await kubectl(['apply', '-f', '-'], { input: m });
    }
    for (const name of ['hangs', 'crashes', 'eats-memory']) {
      await waitFor(`${name} restarted`, async () => ((await kubectlJson(['get', 'pod', name, '-n', ns])).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 90_000, 300);
    }
  });
  after(async () => {
    await control('POST', 'config', { timeScale: 1 });
    await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
  });

  it('--json: a liveness kill with the failed checks behind it, a crash with its exit code and last lines, OOMKilled with the limit', async () => {
    const r = await cli(['pods', RELEASE, '--namespace', ns, '--json', ...kube()]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { release: string; namespace: string; pods: Array<{ name: string; restarts: number; containers: Array<{ name: string; restartCount: number; lastTermination?: { exitCode?: number; reason?: string }; restartReason?: Reason }> }> };
    assert.equal(j.release, RELEASE);
    assert.equal(j.namespace, ns);
    assert.deepEqual(j.pods.map((p) => p.name), ['crashes', 'eats-memory', 'hangs']);
    const why = (pod: string) => {
      const c = j.pods.find((p) => p.name === pod)!.containers[0]!;
      assert.ok(c.restartCount >= 1, `${pod} restarted`);
      assert.ok(c.restartReason, `${pod} has a reason: ${JSON.stringify(c)}`);
      return c.restartReason;
    };

    const hang = why('hangs');
    assert.equal(hang.kind, 'liveness');
    assert.equal(hang.title, 'Killed by its liveness probe after 4 failed checks in a row');
    assert.equal(hang.exitCode, 137);
    assert.equal(hang.probe!.failureThreshold, 4);
    assert.equal(hang.probe!.cause, 'timeout');
    assert.match(hang.probe!.lastMessage, /^Get "http:\/\/[\d.]+:[^/]+\/healthz": context deadline exceeded/);
    assert.ok(hang.probe!.kills >= 1);
    // each kill follows four failures; the current container may have some more on its way to the next
    assert.ok(hang.probe!.failures >= 4 * hang.probe!.kills && hang.probe!.failures < 4 * (hang.probe!.kills + 1), `${hang.probe!.failures} failures for ${hang.probe!.kills} kills`);
    assert.match(hang.detail, /stopped answering its health endpoint within timeoutSeconds 5/);

    const crash = why('crashes');
    assert.equal(crash.kind, 'crash');
    assert.equal(crash.exitCode, 3);
    assert.equal(crash.title, 'Crashed with exit code 3');
    assert.ok(crash.logLines && crash.logLines.length >= 2, JSON.stringify(crash));
    assert.match(crash.logLines[crash.logLines.length - 1]!, /Unhandled exception\. System\.InvalidOperationException: rig simulated crash \(exit code 3\)/);
    assert.match(crash.logLines[0]!, /Application started/);

    const oom = why('eats-memory');
    assert.equal(oom.kind, 'oom');
    assert.equal(oom.exitCode, 137);
    assert.equal(oom.title, 'OOMKilled: killed for exceeding its memory limit of 64Mi');
    assert.equal(oom.logLines, undefined);
  });

  it('prints the reasons for a terminal, and says when a release has no pods', async () => {
    const r = await cli(['pods', RELEASE, '--namespace', ns, ...kube()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Release reasons in reasons-\d+: 3 pods$/m);
    assert.match(r.out, /^hangs {2}\S+ {2}ready [01]\/1 {2}restarts [1-9]\d*/m);
    assert.match(r.out, /^ {4}(last restart|not running): Killed by its liveness probe after 4 failed checks in a row$/m);
    assert.match(r.out, /^ {4}\d+ failed liveness checks and \d+ kills? in the events kept; failureThreshold 4 failures in a row make one kill\.$/m);
    assert.match(r.out, /^ {4}latest failure: Get ".*\/healthz": context deadline exceeded/m);
    assert.match(r.out, /^ {4}(last restart|not running): OOMKilled: killed for exceeding its memory limit of 64Mi$/m);
    assert.match(r.out, /^ {6}\| fail: Worker\[0\] Unhandled exception\. System\.InvalidOperationException: rig simulated crash \(exit code 3\)$/m);
    const none = await cli(['pods', 'not-installed', '--namespace', ns, ...kube()]);
    assert.equal(none.code, 0, none.err);
    assert.match(none.out, /Release not-installed has no pods in namespace reasons-\d+/);
    const bad = await cli(['pods', RELEASE, 'extra', ...kube()]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /give one release name/);
  });

  it('a kubectl that cannot reach the cluster exits 1 with kubectl\'s words', async () => {
    const r = await runCli(['pods', RELEASE, '--namespace', ns, ...kube()], childEnv({ KUBECONFIG: '/nonexistent/kubeconfig' }));
    assert.equal(r.code, 1, r.out);
    assert.match(r.err, /^aks-worker pods: kubectl exited with code 1: /);
  });
});
