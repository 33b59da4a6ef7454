// The pod panel on a real container: the rig's kubelet pulls the chart's image from the rig's auth
// registry as a node would. Unattached, the registry refuses the node and the panel says so with the
// registry's own words and the Attach fix; attached (what the fix runs: az aks update --attach-acr,
// here the az test double), the next pull goes through and the worker runs.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { RestartReason } from '../../src/core/restartReason';
import { attachRegistry } from '../../src/tools/az';
import { upgradeInstall } from '../../src/tools/helm';
import { kubectl } from '../rig/tests/rig';
import { eventually, requireRig, workspaceRoot } from './helpers';

interface PanelForTests {
  state(): { pods: Array<{ name: string; ready: number; total: number; restarts: number; reasons?: RestartReason[] }> };
  dispose(): void;
}

describe('Pod panel on real containers (against the rig)', function () {
  this.timeout(240_000);
  let r: Record<string, string>;
  const namespace = `real-${process.pid}-${Date.now().toString(36)}`;
  const release = 'realpods';
  let panel: PanelForTests | undefined;
  let work: string | undefined;
  let env: NodeJS.ProcessEnv;
  const az = (args: string[]) => execFileSync(r.RIG_AZ!, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });

  before(async function () {
    r = requireRig(this);
    process.env.RIG_ENV_FILE = process.env.AKS_WORKER_RIG_ENV;
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('paths.kubectl', r.RIG_KUBECTL, vscode.ConfigurationTarget.Global);
    work = mkdtempSync(join(tmpdir(), 'aksw-realpods-'));
    env = { ...process.env, ...r, DOCKER_CONFIG: join(work, 'docker-config'), DOCKER_BUILDKIT: '0' };
    // a worker image: scratch + busybox, its httpd answering /healthz on 8080 (the chart's probe)
    copyFileSync(r.RIG_BUSYBOX!, join(work, 'busybox'));
    writeFileSync(
      join(work, 'Dockerfile'),
      'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN mkdir -p /www && echo Healthy > /www/healthz\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n',
    );
    const tag = `h${process.pid}-${Date.now().toString(36)}`; // a tag the node has never pulled
    const repo = `${r.RIG_REGISTRY}/realpods`;
    execFileSync('docker', ['build', '-q', '--network', 'none', '-t', `${repo}:${tag}`, work], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    execFileSync('docker', ['login', r.RIG_REGISTRY!, '-u', r.RIG_REGISTRY_USER!, '--password-stdin'], { env, input: r.RIG_REGISTRY_PASSWORD, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    execFileSync('docker', ['push', '-q', `${repo}:${tag}`], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    az(['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--detach-acr', 'rigacr']);
    await kubectl(['create', 'namespace', namespace]);
    await kubectl(['annotate', 'namespace', namespace, 'rig.aks-worker.test/runtime=docker']);
    const installed = await upgradeInstall(
      { release, chartDir: vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker').fsPath, namespace, set: [`image.repository=${repo}`, `image.tag=${tag}`] },
      { paths: { helm: r.RIG_HELM4 } },
    );
    assert.equal(installed.status, 'deployed');
  });

  after(async () => {
    panel?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
    await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
  });

  it('an unattached registry: the panel says the node was refused, in the registry\'s words, with the Attach fix', async () => {
    panel = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release })) as PanelForTests;
    const p = panel;
    const why = await eventually(() => {
      const reason = p.state().pods[0]?.reasons?.find((x) => x.kind === 'imagePull');
      return reason && /no basic auth credentials/.test(reason.message ?? '') ? reason : undefined;
    }, 60_000);
    assert.ok(why, `an image pull reason: ${JSON.stringify(p.state().pods[0]?.reasons)}`);
    assert.equal(why.when, 'waiting');
    assert.equal(why.fix?.command, 'aksWorker.attachRegistry');
    assert.equal(why.fix?.registry, r.RIG_REGISTRY);
  });

  it('attached as the fix does it, the next pull goes through and the worker runs', async () => {
    await attachRegistry({ name: 'rig-aks', resourceGroup: 'rig-rg' }, 'rigacr', { paths: { az: r.RIG_AZ! }, env });
    const p = panel as PanelForTests;
    // the node retries when its pull back-off (10 s, then 20 s) ends
    const running = await eventually(() => {
      const pod = p.state().pods[0];
      return pod && pod.ready === 1 && !(pod.reasons ?? []).some((x) => x.kind === 'imagePull') ? pod : undefined;
    }, 90_000, 500);
    assert.ok(running, `the pod runs: ${JSON.stringify(p.state().pods)}`);
    assert.equal(running.restarts, 0);
    const logs = await kubectl(['get', 'pod', '-n', namespace, running.name, '-o', 'jsonpath={.status.containerStatuses[0].containerID}']);
    assert.match(logs, /^docker:\/\/[0-9a-f]{64}$/, 'a real container');
  });
});
