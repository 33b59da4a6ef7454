import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';

const IMG = 'x.azurecr.io/app:1.0';
const AUTH = `rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://x.azurecr.io/oauth2/token?scope=repository%3Aapp%3Apull&service=x.azurecr.io: 401 Unauthorized`;

const pods = {
  items: [
    {
      metadata: { name: 'app-1', namespace: 'w', uid: 'u1', labels: { 'app.kubernetes.io/instance': 'app' } },
      spec: { containers: [{ name: 'worker', image: IMG }] },
      status: { phase: 'Pending', containerStatuses: [{ name: 'worker', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${IMG}": ErrImagePull: ${AUTH}` } } }] },
    },
    {
      metadata: { name: 'app-0', namespace: 'w', uid: 'u0', labels: { 'app.kubernetes.io/instance': 'app' } },
      spec: { containers: [{ name: 'worker', image: IMG }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'worker', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 139, finishedAt: '2026-12-01T10:00:00Z' } } }] },
    },
  ],
};
const events = { items: [{ reason: 'Failed', type: 'Warning', message: `Failed to pull image "${IMG}": ${AUTH}`, count: 3, involvedObject: { kind: 'Pod', name: 'app-1', uid: 'u1', fieldPath: 'spec.containers{worker}' }, metadata: { uid: 'e1' } }] };

/** A kubectl stand-in that answers the three calls `aks-worker pods` makes, and records them. */
function fakeKubectl(dir: string): string {
  writeFileSync(join(dir, 'pods.json'), JSON.stringify(pods));
  writeFileSync(join(dir, 'events.json'), JSON.stringify(events));
  const path = join(dir, 'kubectl');
  writeFileSync(
    path,
    `#!/bin/sh
echo "$*" >> '${dir}/calls'
case "$*" in
  "get pods --namespace w -o json --selector app.kubernetes.io/instance=app") cat '${dir}/pods.json' ;;
  "get events --namespace w -o json") cat '${dir}/events.json' ;;
  "logs pod/app-0 --namespace w --previous --container=worker --tail 10 --timestamps")
    printf '2026-12-01T09:59:59.000000000Z info: started\\n2026-12-01T10:00:00.000000000Z Segmentation fault (core dumped)\\n' ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('aks-worker pods (kubectl stand-in)', function () {
  this.timeout(20_000);
  let dir: string;
  let kubectl: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-pods-'));
    kubectl = fakeKubectl(dir);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a pull the registry refused names the fix; a crash shows its last lines without timestamps', async () => {
    const r = await runCli(['pods', 'app', '--namespace', 'w', '--kubectl', kubectl]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Release app in w: 2 pods$/m);
    assert.ok(r.out.indexOf('app-0') < r.out.indexOf('app-1'), 'pods by name');
    assert.match(r.out, /^ {4}not running: Image pull refused: x\.azurecr\.io did not accept the node's credentials$/m);
    assert.match(r.out, /^ {4}fix: Attach Registry to Cluster in VS Code, or: az aks update --name CLUSTER --resource-group GROUP --attach-acr x$/m);
    assert.match(r.out, /^ {4}not running: Crashed with exit code 139 \(SIGSEGV\)$/m);
    assert.match(r.out, /^ {6}\| Segmentation fault \(core dumped\)$/m);
  });

  it('--json: the documented shape', async () => {
    const r = await runCli(['pods', 'app', '--namespace', 'w', '--json', '--kubectl', kubectl]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(Object.keys(j), ['release', 'namespace', 'pods']);
    const pulled = j.pods[1].containers[0];
    assert.equal(pulled.reason, 'ImagePullBackOff');
    assert.equal(pulled.restartReason.kind, 'imagePull');
    assert.equal(pulled.restartReason.message, AUTH, "the registry's own words");
    assert.deepEqual(pulled.restartReason.fix, { command: 'aksWorker.attachRegistry', title: 'Attach Registry to Cluster', hint: 'az aks update --name CLUSTER --resource-group GROUP --attach-acr x', registry: 'x.azurecr.io' });
    const crashed = j.pods[0].containers[0];
    assert.deepEqual(crashed.lastTermination, { reason: 'Error', exitCode: 139, finishedAt: '2026-12-01T10:00:00Z' });
    assert.deepEqual(crashed.restartReason.logLines, ['info: started', 'Segmentation fault (core dumped)']);
  });

  it('kubectl failing exits 1 with its words; bad input exits 2', async () => {
    const r = await runCli(['pods', 'other', '--namespace', 'w', '--kubectl', kubectl]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^aks-worker pods: kubectl exited with code 1: unexpected: get/);
    for (const args of [['pods'], ['pods', 'a', 'b'], ['pods', 'Not_A_Name']]) {
      const bad = await runCli([...args, '--kubectl', kubectl]);
      assert.equal(bad.code, 2, args.join(' '));
      assert.equal(bad.out, '');
      assert.match(bad.err, /^aks-worker( pods)?: /);
    }
  });
});
