import * as assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { upgradeInstall } from '../../src/tools/helm';
import { control, kubectl } from '../rig/tests/rig';
import { eventually, requireRig, workspaceRoot } from './helpers';

interface PanelState {
  pod?: string;
  release?: string;
  note?: string;
  watch: { pods: { state: string }; events: { state: string } };
  starts: number;
  pods: Array<{ name: string; restarts: number; lastReason?: string; lastExitCode?: number; ready: number; total: number; reasons?: Reason[] }>;
  timelines: Array<{ pod: string; points: Array<{ kind: string }>; counts: { restarts: number; timed: number; killing: number; restartKills: number; stops: number }; caption: string }>;
  groups: Array<{ reason: string; total: number }>;
  totals: string;
  failureThreshold?: number;
  ratio?: string;
}

interface Reason {
  container: string;
  kind: string;
  title: string;
  detail: string;
  when: string;
  exitCode?: number;
  probe?: { probe: string; failures: number; kills: number; failureThreshold: number; lastMessage: string; cause: string };
  logLines?: string[];
}

interface PanelForTests {
  state(): PanelState;
  posts: number;
  dispose(): void;
}

/**
 * The kubectl watches running on this machine whose command line has every one of `words`, counted
 * by process group (runTool starts each kubectl as the leader of its own group).
 */
function kubectlWatchGroups(words: string[]): number {
  const groups = new Set<string>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv.includes('--watch') || !words.every((w) => argv.includes(w))) continue;
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      groups.add(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    } catch {
      /* gone meanwhile */
    }
  }
  return groups.size;
}

const total = (s: PanelState, reason: string) => s.groups.find((g) => g.reason === reason)?.total ?? 0;

describe('Pod panel (against the rig)', function () {
  this.timeout(180_000);
  let r: Record<string, string> | undefined;
  const namespace = `pods-${process.pid}-${Date.now().toString(36)}`;
  const release = 'hangs';
  let panel: PanelForTests | undefined;
  let previousTimeScale: number | undefined;

  before(async function () {
    r = requireRig(this);
    process.env.RIG_ENV_FILE = process.env.AKS_WORKER_RIG_ENV;
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('paths.kubectl', r.RIG_KUBECTL, vscode.ConfigurationTarget.Global);
    previousTimeScale = ((await control('GET', 'state')) as { timeScale?: number } | undefined)?.timeScale;
    await control('POST', 'config', { timeScale: 0.02 });
    // The sample chart's liveness probe: period 10 s, timeout 5 s, failureThreshold 6; the health endpoint hangs.
    await control('POST', 'health', { namespace, deployment: `${release}-sample-worker`, health: { mode: 'hang' } });
    const installed = await upgradeInstall(
      { release, chartDir: vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker').fsPath, namespace, createNamespace: true },
      { paths: { helm: r.RIG_HELM4 } },
    );
    assert.equal(installed.status, 'deployed');
  });

  after(async () => {
    panel?.dispose();
    if (!r) return;
    await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    if (previousTimeScale !== undefined) await control('POST', 'config', { timeScale: previousTimeScale }).catch(() => undefined);
  });

  it('Show Pod Restarts and Events opens one panel per release and reveals it when asked again', async () => {
    panel = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release })) as PanelForTests;
    assert.ok(panel && typeof panel.state === 'function', 'the command returns its panel');
    const again = await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release });
    assert.equal(again, panel, 'the same panel, revealed');
    const watching = await eventually(() => {
      const s = panel?.state();
      return s?.watch.pods.state === 'watching' && s.watch.events.state === 'watching' && s.pods.length === 1 && s;
    }, 30_000);
    assert.ok(watching, `both watches run and the release's pod is listed: ${JSON.stringify(panel.state().watch)}`);
    assert.equal(watching.failureThreshold, 6, 'failureThreshold comes from the pod\'s own liveness probe');
    assert.ok(await eventually(() => (panel?.posts ?? 0) > 0, 20_000), 'the page asked for the state and got it');
  });

  it('a Pods view pod row opens a panel of that pod alone', async () => {
    const name = (panel as PanelForTests).state().pods[0].name;
    const single = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { kind: 'pod', pod: { name, namespace, release } })) as PanelForTests;
    try {
      assert.notEqual(single, panel, 'a panel of its own');
      const s = await eventually(() => single.state().pods.length === 1 && single.state(), 30_000);
      assert.ok(s, 'the pod is listed');
      assert.equal(s.pod, name);
      assert.equal(s.pods[0].name, name);
    } finally {
      single.dispose();
    }
  });

  it('reports restarts rising, each after an Error exit 137', async () => {
    const p = panel as PanelForTests;
    const first = await eventually(() => (p.state().pods[0]?.restarts ?? 0) >= 1 && p.state().pods[0], 60_000);
    assert.ok(first, `the pod restarted: ${JSON.stringify(p.state().pods)}`);
    assert.equal(first.lastReason, 'Error');
    assert.equal(first.lastExitCode, 137);
    const later = await eventually(() => (p.state().pods[0]?.restarts ?? 0) > first.restarts + 1 && p.state().pods[0], 60_000);
    assert.ok(later, `restarts keep rising past ${first.restarts}: ${JSON.stringify(p.state().pods)}`);
    const tl = p.state().timelines[0];
    assert.equal(tl.pod, later.name);
    assert.ok(tl.points.filter((x) => x.kind === 'restart').length >= 2, 'the timeline has the restarts seen live');
    assert.ok(tl.points.some((x) => x.kind === 'unhealthy') && tl.points.some((x) => x.kind === 'killing'), 'and Unhealthy and Killing marks');
  });

  it('says why the container restarted: its liveness probe, after failureThreshold failed checks that timed out', async () => {
    const p = panel as PanelForTests;
    const why = await eventually(() => {
      const r = p.state().pods[0]?.reasons?.[0];
      return r?.kind === 'liveness' && (r.probe?.failures ?? 0) >= 6 && r;
    }, 60_000);
    assert.ok(why, `a liveness reason: ${JSON.stringify(p.state().pods[0]?.reasons)}`);
    assert.equal(why.container, 'sample-worker');
    assert.equal(why.title, 'Killed by its liveness probe after 6 failed checks in a row');
    assert.equal(why.probe?.failureThreshold, 6);
    assert.equal(why.probe?.cause, 'timeout');
    assert.match(why.probe?.lastMessage ?? '', /context deadline exceeded/);
    assert.match(why.detail, /stopped answering its health endpoint within timeoutSeconds 5 \(a hang or a blocked loop\)/);
    assert.equal(why.exitCode, 137);
  });

  it('counts Unhealthy and Killing in the ratio of the probe\'s failureThreshold, and says so', async () => {
    const p = panel as PanelForTests;
    const steady = await eventually(() => {
      const s = p.state();
      const kills = total(s, 'Killing');
      const unhealthy = total(s, 'Unhealthy');
      // Between kills the current round's failures (up to 5) are counted already.
      return kills >= 3 && unhealthy >= 6 * kills && unhealthy <= 6 * kills + 5 && s;
    }, 60_000);
    assert.ok(steady, `Unhealthy and Killing so far: ${p.state().totals}`);
    assert.match(steady.totals, /Unhealthy ×\d+ · .*Killing ×\d+/);
    const explained = await eventually(() => /each restart followed 6 failed liveness probes in a row, as failureThreshold 6 says/.test(p.state().ratio ?? '') && p.state(), 90_000);
    assert.ok(explained, `the ratio is explained against failureThreshold 6: ${p.state().totals} → ${p.state().ratio}`);
  });

  it('sends the page at most ten updates a second', async () => {
    const p = panel as PanelForTests;
    const before = p.posts;
    await new Promise((res) => setTimeout(res, 3000));
    const sent = p.posts - before;
    assert.ok(sent > 0, 'the page got updates while events came in');
    assert.ok(sent <= 31, `${sent} updates in 3 s`);
  });

  it('a malformed page message changes nothing; Retry starts the watches again', async () => {
    const p = panel as PanelForTests;
    const onMessage = (p as unknown as { onMessage(m: unknown): void }).onMessage.bind(p);
    const starts = p.state().starts;
    const bad: unknown[] = [{ type: 'retry', now: true }, { type: 'stop' }, { type: 'ready', state: {} }, 'retry', null, [], 42, { retry: true }];
    // A fix must name one of the fix commands, and a pod whose reason offers it (a liveness kill offers none).
    bad.push({ type: 'fix', command: 'workbench.action.terminal.new', pod: p.state().pods[0].name, container: 'sample-worker' }, { type: 'fix', command: 'aksWorker.attachRegistry', pod: p.state().pods[0].name, container: 'sample-worker' });
    for (const m of bad) onMessage(m);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(p.state().starts, starts, 'no malformed message restarted the watches');
    assert.equal(p.state().watch.pods.state, 'watching');
    onMessage({ type: 'retry' });
    const restarted = await eventually(() => {
      const s = p.state();
      // The events come back with the re-list (kubectl may take longer than the quiet time that ends it).
      return s.starts === starts + 1 && s.watch.pods.state === 'watching' && s.watch.events.state === 'watching' && s.pods.length === 1 && total(s, 'Killing') >= 3 && s;
    }, 30_000);
    assert.ok(restarted, `Retry re-listed both kinds and the events are back: ${JSON.stringify(p.state().watch)}, ${p.state().totals}`);
  });

  it('the table, the timeline and the counts agree on the restarts, and say what else they count', async () => {
    const s = (panel as PanelForTests).state();
    const [row] = s.pods;
    const tl = s.timelines.find((t) => t.pod === row.name);
    assert.ok(tl, 'a timeline for the pod');
    assert.equal(tl.counts.restarts, row.restarts, 'one count of restarts: the table\'s');
    assert.ok(tl.counts.timed <= tl.counts.restarts, `the marks are restarts with a known time: ${JSON.stringify(tl.counts)}`);
    assert.equal(tl.points.filter((x) => x.kind === 'restart').length >= tl.counts.timed, true);
    assert.equal(tl.counts.stops, 0, 'no pod was deleted: every Killing restarted the container');
    assert.equal(tl.counts.restartKills, tl.counts.killing);
    assert.match(tl.caption, new RegExp(`^${row.restarts} restarts? \\(the kubelet's restartCount since the pod started\\)`));
  });

  it('a panel opened on a pod follows its release when the pod is replaced, and says so', async () => {
    const name = (panel as PanelForTests).state().pods[0].name;
    const single = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { kind: 'pod', pod: { name, namespace, release } })) as PanelForTests;
    try {
      assert.ok(await eventually(() => single.state().pods.length === 1, 30_000), 'the pod is listed');
      // The Deployment replaces a deleted pod, as a rollout does.
      await kubectl(['delete', 'pod', name, '--namespace', namespace, '--wait=false']);
      const followed = await eventually(() => {
        const s = single.state();
        return s.pod === undefined && s.pods.some((p) => p.name !== name) && s;
      }, 60_000);
      assert.ok(followed, `the panel shows the release's new pod: ${JSON.stringify(single.state().pods.map((p) => p.name))}`);
      assert.equal(followed.release, release);
      assert.equal(followed.note, `Pod ${name} is gone (replaced by a rollout or rollback, or deleted); showing ${release}'s pods.`);
      const again = await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release });
      assert.ok(again === single || again === panel, 'the release\'s panel is one of the two, not a third');
    } finally {
      single.dispose();
    }
  });

  it('Retry clicked twice in a row leaves one pair of watches, and closing the panel ends them', async function () {
    if (process.platform !== 'linux') this.skip(); // counts processes through /proc
    const p = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release })) as PanelForTests;
    const onMessage = (p as unknown as { onMessage(m: unknown): void }).onMessage.bind(p);
    const podWatch = ['pods', '--namespace', namespace, '--selector', `app.kubernetes.io/instance=${release}`];
    const eventWatch = ['events', '--namespace', namespace];
    const starts = p.state().starts;
    onMessage({ type: 'retry' });
    onMessage({ type: 'retry' });
    const settled = await eventually(() => {
      const s = p.state();
      return s.starts > starts && s.watch.pods.state === 'watching' && s.watch.events.state === 'watching' && s;
    }, 30_000);
    assert.ok(settled, `the watches run again: ${JSON.stringify(p.state().watch)}`);
    // Give a second (late) start the time to show up, if there were one.
    await new Promise((res) => setTimeout(res, 2000));
    assert.equal(p.state().starts, starts + 1, 'two quick clicks start the watches once');
    assert.equal(kubectlWatchGroups(podWatch), 1, 'one kubectl watches the pods');
    assert.equal(kubectlWatchGroups(eventWatch), 1, 'one kubectl watches the events');
    p.dispose();
    const gone = await eventually(() => kubectlWatchGroups(podWatch) === 0 && kubectlWatchGroups(eventWatch) === 0, 10_000);
    assert.ok(gone, `closing the panel ends its kubectl watches (left: ${kubectlWatchGroups(podWatch)} pods, ${kubectlWatchGroups(eventWatch)} events)`);
  });
});

describe('Pod panel: why a crashing worker restarts (against the rig)', function () {
  this.timeout(180_000);
  let r: Record<string, string> | undefined;
  const namespace = `crash-${process.pid}-${Date.now().toString(36)}`;
  const release = 'crashes';
  let panel: PanelForTests | undefined;
  let previousTimeScale: number | undefined;

  before(async function () {
    r = requireRig(this);
    process.env.RIG_ENV_FILE = process.env.AKS_WORKER_RIG_ENV;
    const cfg = vscode.workspace.getConfiguration('aksWorker');
    await cfg.update('paths.helm', r.RIG_HELM4, vscode.ConfigurationTarget.Global);
    await cfg.update('paths.kubectl', r.RIG_KUBECTL, vscode.ConfigurationTarget.Global);
    previousTimeScale = ((await control('GET', 'state')) as { timeScale?: number } | undefined)?.timeScale;
    await control('POST', 'config', { timeScale: 0.1 });
    // The worker's process ends with exit code 3 after 2 s (0.2 s here) of each start.
    await control('POST', 'health', { namespace, deployment: `${release}-sample-worker`, health: { mode: 'crash', exitCode: 3 } });
    const installed = await upgradeInstall(
      { release, chartDir: vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker').fsPath, namespace, createNamespace: true },
      { paths: { helm: r.RIG_HELM4 } },
    );
    assert.equal(installed.status, 'deployed');
  });

  after(async () => {
    panel?.dispose();
    if (!r) return;
    await kubectl(['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    if (previousTimeScale !== undefined) await control('POST', 'config', { timeScale: previousTimeScale }).catch(() => undefined);
  });

  it('shows the exit code, what it means, and the last lines the previous container wrote', async () => {
    panel = (await vscode.commands.executeCommand('aksWorker.showPodDetails', { namespace, release })) as PanelForTests;
    const p = panel;
    const why = await eventually(() => {
      const reason = p.state().pods[0]?.reasons?.[0];
      return reason?.kind === 'crash' && reason.logLines?.length && reason;
    }, 60_000);
    assert.ok(why, `a crash with its last lines: ${JSON.stringify(p.state().pods[0]?.reasons)}`);
    assert.equal(why.title, 'Crashed with exit code 3');
    assert.equal(why.exitCode, 3);
    assert.match(why.detail, /ended with Error, exit code 3/);
    assert.match(why.logLines!.join('\n'), /^fail: Worker\[0\] Unhandled exception\. System\.InvalidOperationException: rig simulated crash \(exit code 3\)$/m);
    assert.ok(!why.logLines!.some((l) => /^\d{4}-\d\d-\d\dT/.test(l)), 'without kubectl\'s timestamps');
  });
});
