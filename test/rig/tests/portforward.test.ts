// kubectl port-forward through the rig: SPDY tunnelled in a WebSocket (kubectl's default) and plain
// SPDY (its fallback), the simulated worker's health endpoint following the health behaviour, and
// kubectl losing the pod when the container is killed.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { childEnv, control, deploymentManifest, kubectl, kubectlJson, rigEnv, Streamer, waitFor } from './rig';

interface Reply { status: number; body: string; ms: number }

function get(port: number, path: string, timeoutMs = 10_000): Promise<Reply> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Starts `kubectl port-forward pod/NAME :8080` and resolves the local port it printed. */
async function forward(pod: string, extraEnv: Record<string, string> = {}, remote = 8080): Promise<{ s: Streamer; port: number }> {
  const s = new Streamer(rigEnv().RIG_KUBECTL!, ['port-forward', `pod/${pod}`, `:${remote}`, '--address', '127.0.0.1'], childEnv(extraEnv));
  const port = await waitFor('kubectl to print the local port', async () => {
    const m = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(s.out);
    if (s.code !== undefined) throw new Error(`kubectl port-forward exited ${s.code}: ${s.err}`);
    return m ? Number(m[1]) : undefined;
  }, 15_000, 50);
  return { s, port };
}

async function podOf(app: string): Promise<string> {
  return waitFor(`a running pod of ${app}`, async () => {
    const p = (await kubectlJson(['get', 'pods', '-l', `app=${app}`])).items.find((x: { status?: { containerStatuses?: { state?: { running?: unknown } }[] } }) => x.status?.containerStatuses?.[0]?.state?.running);
    return p?.metadata.name as string | undefined;
  });
}

describe('rig: kubectl port-forward', function () {
  this.timeout(60_000);
  const live = { httpGet: { path: '/live', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 };

  before(async () => {
    await control('POST', 'reset');
    await control('POST', 'config', { timeScale: 1 });
    await kubectl(['apply', '-f', '-'], { env: childEnv(), input: deploymentManifest('pf', { liveness: live }) });
  });
  after(() => control('POST', 'config', { timeScale: 1 }));

  for (const transport of ['websocket', 'spdy'] as const) {
    it(`forwards to the worker's health endpoint (${transport})`, async () => {
      const pod = await podOf('pf');
      const before = (await control('GET', 'state')).portForward.sessions;
      const { s, port } = await forward(pod, { KUBECTL_PORT_FORWARD_WEBSOCKETS: transport === 'websocket' ? 'true' : 'false' });
      try {
        const r = await get(port, '/healthz');
        assert.deepEqual([r.status, r.body], [200, 'Healthy']);
        assert.equal((await get(port, '/live')).status, 200, 'the probe path answers too');
        assert.equal((await get(port, '/nope')).status, 404);
        // one session carries many connections (a stream pair each)
        await Promise.all([1, 2, 3, 4].map(() => get(port, '/healthz').then((x) => assert.equal(x.status, 200))));
        const st = (await control('GET', 'state')).portForward;
        assert.equal(st.sessions, before + 1);
        assert.equal(st.lastTransport, transport);
        assert.match(s.out, /Handling connection for \d+/);
      } finally {
        await s.stop();
      }
    });
  }

  it('a failing worker answers 503; a port the container does not listen on is refused', async () => {
    const pod = await podOf('pf');
    await control('POST', 'health', { pod, health: { mode: 'hang', hangSeconds: 1.5, everySeconds: 1000 } });
    const { s, port } = await forward(pod);
    try {
      // the hang starts at every 1000 s of uptime, so none yet: answers at once
      assert.ok((await get(port, '/healthz')).ms < 1000);
      await control('POST', 'health', { pod, health: { mode: 'fail' } });
      assert.equal((await get(port, '/healthz')).status, 503);
    } finally {
      await s.stop();
      await control('POST', 'health', { pod, health: { mode: 'healthy' } });
    }
    const other = await forward(pod, {}, 9999);
    try {
      await assert.rejects(get(other.port, '/healthz', 5000));
      await waitFor('kubectl to report the refused connection', async () => /connection refused/.test(other.s.err) || other.s.code !== undefined);
      assert.match(other.s.err, /error forwarding port 9999 to pod .*connect: connection refused/);
    } finally {
      await other.s.stop();
    }
  });

  it('blocks that recur are seen as slow answers', async () => {
    await kubectl(['apply', '-f', '-'], { env: childEnv(), input: deploymentManifest('pfhang', { liveness: live }) });
    const pod = await podOf('pfhang');
    await control('POST', 'health', { pod, health: { mode: 'hang', hangSeconds: 1, everySeconds: 2 } });
    const { s, port } = await forward(pod);
    try {
      const ms: number[] = [];
      const until = Date.now() + 4500;
      while (Date.now() < until) ms.push((await get(port, '/healthz')).ms);
      const slow = ms.filter((x) => x >= 300);
      assert.ok(slow.length >= 1 && slow.length <= 3, `1–3 slow answers in 4.5 s: ${ms.join(', ')}`);
      assert.ok(Math.max(...ms) <= 1300, `no answer waits longer than the 1 s block: ${Math.max(...ms)} ms`);
      assert.ok(ms.filter((x) => x < 100).length > 10, 'between the blocks, answers are quick');
    } finally {
      await s.stop();
    }
  });

  it('kubectl loses the pod when the container is killed', async () => {
    const pod = await podOf('pf');
    const { s, port } = await forward(pod);
    assert.equal((await get(port, '/healthz')).status, 200);
    await control('POST', 'config', { timeScale: 0.01 });
    await control('POST', 'health', { pod, health: { mode: 'hang' } });
    // a request in flight when the container dies is cut; kubectl then ends the whole forward
    await assert.rejects(get(port, '/healthz', 30_000));
    const code = await s.wait(20_000);
    assert.equal(code, 1);
    assert.match(s.err, /connection reset by peer/);
    assert.match(s.err, /lost connection to pod/);
    await control('POST', 'health', { pod, health: { mode: 'healthy' } });
  });
});
