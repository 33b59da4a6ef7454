import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { summarizeSamples, type Sample } from '../../src/core/latency';
import { upgradeInstall } from '../../src/tools/helm';
import { releasePods } from '../../src/tools/measure';
import { control } from '../rig/tests/rig';
import { eventually, requireRig, workspaceRoot } from './helpers';

interface Msg {
  type: string;
  [k: string]: unknown;
}
interface PanelForTests {
  onMessage(m: unknown): Promise<void>;
  send(m: Msg): Promise<boolean>;
  dispose(): void;
}

describe('Port-forward and Measure it (host, against the rig)', function () {
  this.timeout(120_000);
  const ns = `measure-host-${process.pid}`;
  let panel: PanelForTests;
  let seen: Msg[] = [];
  let previousNamespace: string | undefined;
  let r: Record<string, string> = {};

  before(async function () {
    r = requireRig(this);
    await control('POST', 'config', { timeScale: 1 });
    // the sample chart installed as "sample-worker": its Deployment is "sample-worker-sample-worker"; 1 s blocks every 3 s
    await control('POST', 'health', { namespace: ns, deployment: 'sample-worker-sample-worker', health: { mode: 'hang', everySeconds: 3, hangSeconds: 1 } });
    const chart = vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker').fsPath;
    const rel = await upgradeInstall({ release: 'sample-worker', chartDir: chart, namespace: ns, createNamespace: true, wait: true, timeout: '60s' }, { paths: { helm: r.RIG_HELM4 } });
    assert.equal(rel.status, 'deployed');
    const config = vscode.workspace.getConfiguration('aksWorker');
    previousNamespace = config.inspect<string>('namespace')?.workspaceValue;
    await config.update('namespace', ns, vscode.ConfigurationTarget.Workspace);
    panel = (await vscode.commands.executeCommand('aksWorker.editProbes', vscode.Uri.joinPath(workspaceRoot(), 'charts', 'sample-worker'))) as PanelForTests;
    const send = panel.send.bind(panel);
    panel.send = (m: Msg) => {
      seen.push(m);
      return send(m);
    };
  });
  after(async () => {
    panel?.dispose();
    await vscode.workspace.getConfiguration('aksWorker').update('namespace', previousNamespace, vscode.ConfigurationTarget.Workspace);
  });

  const of = (type: string) => seen.filter((m) => m.type === type);
  const health = { type: 'httpGet', path: '/healthz', port: 'health' };

  it('lists the pods of the chart\'s release in the configured namespace', async () => {
    seen = [];
    await panel.onMessage({ type: 'listPods' });
    const [pods] = of('pods');
    assert.ok(pods, JSON.stringify(seen));
    assert.equal(pods.release, 'sample-worker');
    assert.equal(pods.namespace, ns);
    const list = pods.pods as Array<{ name: string; ready: boolean }>;
    assert.equal(list.length, 1);
    assert.match(list[0]!.name, /^sample-worker-/);
  });

  it('ignores malformed measure messages', async () => {
    seen = [];
    for (const m of [
      { type: 'measure', pod: '../../etc', handler: health, durationSeconds: 2, requestTimeoutSeconds: 5 },
      { type: 'measure', pod: 'sample-worker-x', handler: { type: 'exec', command: ['true'] }, durationSeconds: 2, requestTimeoutSeconds: 5 },
      { type: 'measure', pod: 'sample-worker-x', handler: health, durationSeconds: 0, requestTimeoutSeconds: 5 },
      { type: 'measure', pod: 'sample-worker-x', handler: health, durationSeconds: 2, requestTimeoutSeconds: 9999 },
      { type: 'measure', pod: 'sample-worker-x', handler: health, durationSeconds: 2, requestTimeoutSeconds: 5, extra: true },
      { type: 'stopMeasure', now: true },
    ]) {
      await panel.onMessage(m);
    }
    assert.deepEqual(seen, []);
  });

  it('measures the pod through kubectl port-forward and streams the samples: the blocks are the tail', async () => {
    seen = [];
    await panel.onMessage({ type: 'listPods' });
    const pod = (of('pods')[0]!.pods as Array<{ name: string }>)[0]!.name;
    await panel.onMessage({ type: 'measure', pod, handler: health, durationSeconds: 4, requestTimeoutSeconds: 30 });
    const [started] = of('measureStarted');
    assert.ok(started, JSON.stringify(seen.map((m) => m.type)));
    assert.equal(started.pod, pod);
    assert.equal(started.port, 8080, 'the named port resolved on the pod');
    assert.ok(Number(started.localPort) > 0);
    const samples = of('measureSamples').flatMap((m) => m.samples as Sample[]);
    assert.ok(of('measureSamples').length >= 2, 'samples arrive in batches while it runs');
    // The page may load while this runs and be told "nothing measured yet" (a replay): only what
    // follows this run's start is about this run.
    const done = seen.slice(seen.indexOf(started)).filter((m) => m.type === 'measureDone');
    assert.deepEqual(done.map((m) => m.ended), ['duration']);
    const s = summarizeSamples(samples, 30_000, 5);
    assert.ok(s.count > 10 && s.ok === s.count, JSON.stringify(s));
    assert.ok(s.maxMs! >= 600 && s.maxMs! <= 1300, `max ${s.maxMs} ms for 1 s blocks`);
    assert.ok(s.p50Ms! < 200);
  });

  it('stops on request, and refuses a probe port the pod does not have', async () => {
    seen = [];
    await panel.onMessage({ type: 'listPods' });
    const pod = (of('pods')[0]!.pods as Array<{ name: string }>)[0]!.name;
    const t0 = Date.now();
    const run = panel.onMessage({ type: 'measure', pod, handler: health, durationSeconds: 60, requestTimeoutSeconds: 30 });
    await new Promise((r) => setTimeout(r, 2000));
    await panel.onMessage({ type: 'stopMeasure' });
    await run;
    assert.ok(Date.now() - t0 < 10_000, 'ended soon after Stop');
    assert.deepEqual(of('measureDone').map((m) => m.ended), ['stopped']);
    seen = [];
    await panel.onMessage({ type: 'measure', pod, handler: { ...health, port: 'metrics' }, durationSeconds: 2, requestTimeoutSeconds: 5 });
    const [failed] = of('measureDone');
    assert.equal(failed?.ended, 'failed');
    assert.match(String(failed?.message), /The probe's port "metrics" is not a port of sample-worker-[\w-]+'s containers \(health = 8080\)/);
  });

  it('the Pods view\'s Port-forward action forwards a local port to the pod\'s health port', async () => {
    const [pod] = await releasePods('sample-worker', ns, { paths: { kubectl: r.RIG_KUBECTL } });
    assert.ok(pod);
    const free = await new Promise<number>((res) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        srv.close(() => res(port));
      });
    });
    const terminal = (await vscode.commands.executeCommand('aksWorker.portForwardPod', { kind: 'pod', pod }, { localPort: free })) as vscode.Terminal;
    assert.ok(terminal, 'a terminal runs kubectl port-forward');
    assert.equal(terminal.name, `port-forward ${pod.name}`);
    try {
      const get = () =>
        new Promise<number>((res, rej) => {
          const req = http.get({ host: '127.0.0.1', port: free, path: '/healthz', agent: false, timeout: 5000 }, (resp) => {
            resp.resume();
            resp.on('end', () => res(resp.statusCode ?? 0));
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', rej);
        });
      const status = await eventually(() => get().catch(() => undefined), 30_000, 500);
      assert.equal(status, 200);
    } finally {
      terminal.dispose();
    }
  });
});
