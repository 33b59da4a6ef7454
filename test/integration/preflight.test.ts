// aks-worker preflight on real containers in the rig's Docker engine: images made of busybox that
// start and serve the endpoint, crash, listen nowhere, serve another path, listen on 127.0.0.1 only,
// answer 503, or ignore SIGTERM; each probed through the container's network namespace with a
// chart's probes, and each reported in the words the issue asks for.
/* eslint-disable @typescript-eslint/no-explicit-any -- the report's JSON */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../src/tools/docker';
import { childEnv, rigEnv } from '../rig/tests/rig';
import { runCli } from '../support/runCli';

const MODES = ['healthy', 'crash', 'idle', 'otherpath', 'loopback', 'unhealthy', 'noterm', 'needsenv'] as const;

/** One image, a CMD per mode (build arg). */
const DOCKERFILE = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY www /www
ARG MODE
ENV MODE=$MODE
CMD ["/bin/sh", "/www/start.sh"]
`;

const START = `#!/bin/sh
case "$MODE" in
  healthy) trap 'echo stopping; exit 0' TERM; httpd -p 8080 -h /www/ok; echo "started as $Worker__Name"; while true; do sleep 1; done ;;
  crash) echo 'Unhandled exception. System.InvalidOperationException: ConnectionStrings:Queue is not set'; exit 3 ;;
  idle) trap 'exit 0' TERM; while true; do sleep 1; done ;;
  otherpath) trap 'exit 0' TERM; httpd -p 8080 -h /www/other; while true; do sleep 1; done ;;
  loopback) trap 'exit 0' TERM; httpd -p 127.0.0.1:8080 -h /www/ok; while true; do sleep 1; done ;;
  unhealthy) trap 'exit 0' TERM; httpd -p 8080 -h /www/sick; while true; do sleep 1; done ;;
  noterm) exec httpd -f -p 8080 -h /www/ok ;;
  needsenv) [ -n "$QUEUE_URL" ] || { echo 'Unhandled exception: QUEUE_URL is not set'; exit 1; }; echo "queue $QUEUE_URL"; trap 'exit 0' TERM; httpd -p 8080 -h /www/ok; while true; do sleep 1; done ;;
esac
`;

describe('aks-worker preflight on real containers', function () {
  this.timeout(300_000);
  let dir: string;
  let chart: string;
  const image = (mode: string) => `rig.local/preflight-${mode}:1`;
  const cli = (args: string[]) => runCli(['preflight', ...args, '--helm', rigEnv().RIG_HELM4 as string], childEnv());

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-preflight-'));
    const ctx = join(dir, 'image');
    for (const d of ['ok', 'other', 'sick/cgi-bin']) mkdirSync(join(ctx, 'www', d), { recursive: true });
    copyFileSync(rigEnv().RIG_BUSYBOX as string, join(ctx, 'busybox'));
    writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
    writeFileSync(join(ctx, 'www', 'start.sh'), START);
    writeFileSync(join(ctx, 'www', 'ok', 'healthz'), 'Healthy');
    writeFileSync(join(ctx, 'www', 'other', 'health'), 'Healthy');
    writeFileSync(join(ctx, 'www', 'other', 'index.html'), 'worker');
    // busybox httpd runs CGI scripts from cgi-bin: one that always answers 503
    writeFileSync(join(ctx, 'www', 'sick', 'cgi-bin', 'healthz'), '#!/bin/sh\nprintf "Status: 503 Service Unavailable\\r\\nContent-Type: text/plain\\r\\n\\r\\nUnhealthy"\n', { mode: 0o755 });
    for (const mode of MODES) {
      await buildImage({ dockerfile: join(ctx, 'Dockerfile'), context: ctx, tags: [image(mode)], extraArgs: ['--build-arg', `MODE=${mode}`, '--network', 'none'] }, { env: childEnv() as Record<string, string> });
    }
    // A worker chart with quick probes: every second, 1 s timeout, 3 failures; a 3 s grace period.
    chart = join(dir, 'chart');
    mkdirSync(join(chart, 'templates'), { recursive: true });
    writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: pfworker\nversion: 0.1.0\nappVersion: "1"\n');
    writeFileSync(
      join(chart, 'values.yaml'),
      [
        'image: rig.local/preflight-healthy:1',
        'healthPath: /healthz',
        'terminationGracePeriodSeconds: 3',
        'env:',
        '  - name: Worker__Name',
        '    value: preflight',
        'livenessProbe:',
        '  httpGet:',
        '    path: /healthz',
        '    port: health',
        '  periodSeconds: 1',
        '  timeoutSeconds: 1',
        '  failureThreshold: 3',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(chart, 'templates', 'deployment.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}-worker
spec:
  selector:
    matchLabels: { app: worker }
  template:
    metadata:
      labels: { app: worker }
    spec:
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      containers:
        - name: worker
          image: {{ .Values.image }}
          ports:
            - name: health
              containerPort: 8080
          env:
            {{- toYaml .Values.env | nindent 12 }}
          {{- with .Values.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.startupProbe }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const json = async (mode: string, extra: string[] = []) => {
    const r = await cli([image(mode), '--chart', chart, '--duration', '6', '--json', ...extra]);
    assert.ok(r.out.trim().startsWith('{'), r.err);
    return { code: r.code, report: JSON.parse(r.out), err: r.err };
  };

  it('a worker that serves its endpoint and stops on SIGTERM passes: checks, latency, budget, stop', async () => {
    const { code, report } = await json('healthy');
    assert.equal(code, 0, JSON.stringify(report.problems));
    assert.equal(report.ok, true);
    assert.equal(report.reach, 'netns');
    assert.match(report.reachDetail, /^10\.244\.0\.10 inside the container's network namespace$/);
    assert.match(report.probeSource, /Deployment\/release-name-worker, container worker/);
    const live = report.checks.filter((c: any) => c.kind === 'liveness');
    // every second for 6 s, the first at once (initialDelaySeconds 0): 5 to 7 checks, the later ones all 200
    assert.ok(live.length >= 5 && live.length <= 7, `${live.length} checks`);
    assert.ok(live.slice(1).every((c: any) => c.ok && c.status === 200), JSON.stringify(live));
    assert.ok(report.latency.count >= 4 && report.latency.p99Ms !== undefined && report.latency.p99Ms < 1000, JSON.stringify(report.latency));
    assert.deepEqual(report.budget, { maxBlockSeconds: 3, worstCaseRestartSeconds: 7 });
    assert.equal(report.stop.graceSeconds, 3);
    assert.equal(report.stop.killed, false);
    assert.equal(report.stop.exitCode, 0);
    assert.ok(report.stop.seconds < 3, `stopped in ${report.stop.seconds} s`);
    assert.deepEqual(report.problems, []);
  });

  it('the text report says it passed, with the latency, the budget and the stop', async () => {
    const r = await cli([image('healthy'), '--chart', chart, '--duration', '4']);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^Preflight of rig\.local\/preflight-healthy:1: passed\n/);
    assert.match(r.out, /liveness: GET \/healthz on 8080, every 1 s, timeout 1 s, failureThreshold 3/);
    assert.match(r.out, /latency \(\d+ requests\): p50 \d+ ms, p99 \d+ ms, max \d+ ms; the liveness probe's timeout is 1 s\n/);
    assert.match(r.out, /liveness budget: a block of up to 3 s is survived; a hung worker is restarted within 7 s/);
    assert.match(r.out, /stop: SIGTERM → exited 0 in \d\.\d s \(terminationGracePeriodSeconds 3\)/);
    assert.match(r.err, /Probing for 4 s as the kubelet would/);
  });

  it('a worker that crashes at start: its exit code and last lines, nothing probed', async () => {
    const { code, report } = await json('crash');
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.equal(report.start.exited.exitCode, 3);
    assert.equal(report.problems[0].kind, 'crashed');
    assert.match(report.problems[0].message, /^The container exited with code 3 /);
    assert.deepEqual(report.logTail, ['Unhandled exception. System.InvalidOperationException: ConnectionStrings:Queue is not set']);
    assert.deepEqual(report.checks, []);
    const text = await cli([image('crash'), '--chart', chart, '--duration', '3']);
    assert.match(text.out, /started: no: exit code 3/);
    assert.match(text.out, /last log lines:\n {4}Unhandled exception\. System\.InvalidOperationException: ConnectionStrings:Queue is not set/);
  });

  it('a worker with no listener: "nothing listens on 8080", in the kubelet\'s words', async () => {
    const { code, report } = await json('idle');
    assert.equal(code, 1);
    assert.equal(report.problems[0].kind, 'no-listener');
    assert.match(report.problems[0].message, /^Nothing listens on 8080: every check was refused \("connection refused"\), the last one 2\.\d s after the start\. It listens on no TCP port at all/);
    assert.match(report.checks[0].message, /^Get "http:\/\/10\.244\.0\.10:8080\/healthz": dial tcp 10\.244\.0\.10:8080: connect: connection refused$/);
    // three refused checks in a row: the kubelet would kill it
    assert.ok(report.problems.some((p: any) => p.kind === 'killed' && /3 liveness checks failed in a row/.test(p.message)), JSON.stringify(report.problems));
  });

  it('a worker that serves its endpoint on another path: "no endpoint at /healthz" and the paths that answered', async () => {
    const { code, report } = await json('otherpath');
    assert.equal(code, 1);
    const wrong = report.problems.find((p: any) => p.kind === 'wrong-path');
    assert.ok(wrong, JSON.stringify(report.problems));
    assert.equal(wrong.message, 'No endpoint at /healthz: the worker answers 404 there. These paths answered: /health (200), / (200).');
    assert.ok(report.checks.every((c: any) => c.status === 404 && c.message === 'HTTP probe failed with statuscode: 404'));
  });

  it('a worker that listens on 127.0.0.1 only is refused, as the kubelet (which probes the pod IP) would be', async () => {
    const { code, report } = await json('loopback');
    assert.equal(code, 1);
    assert.equal(report.problems[0].kind, 'loopback-only');
    assert.match(report.problems[0].message, /^The worker listens on 127\.0\.0\.1:8080 only: the kubelet probes the pod's IP/);
    assert.deepEqual(report.listeners, [{ address: '127.0.0.1', port: 8080 }]);
  });

  it('an endpoint that answers 503: killed after failureThreshold checks, with the time', async () => {
    // the chart's path is /healthz; this image serves the 503 at /cgi-bin/healthz
    const values = join(dir, 'sick.yaml');
    writeFileSync(values, 'livenessProbe:\n  httpGet:\n    path: /cgi-bin/healthz\n    port: health\n  periodSeconds: 1\n  timeoutSeconds: 1\n  failureThreshold: 3\n');
    const { code, report } = await json('unhealthy', ['-f', values]);
    assert.equal(code, 1);
    const killed = report.problems.find((p: any) => p.kind === 'killed');
    assert.ok(killed, JSON.stringify(report.problems));
    assert.match(killed.message, /^The kubelet would kill the container 2\.\d s after it started: 3 liveness checks failed in a row \(failureThreshold 3, every 1 s\); the last one: HTTP probe failed with statuscode: 503\.$/);
    assert.deepEqual(report.events.map((e: any) => [e.kind, e.what, e.failures]), [['liveness', 'killed', 3]]);
    // probing ends at the kill, as the kubelet would restart the container there
    assert.equal(report.checks.length, 3);
  });

  it('a worker that ignores SIGTERM passes, warned: killed at the end of the grace period (137)', async () => {
    const { code, report } = await json('noterm');
    assert.equal(code, 0);
    assert.equal(report.stop.killed, true);
    assert.equal(report.stop.exitCode, 137);
    assert.ok(report.stop.seconds >= 3 && report.stop.seconds < 6, `${report.stop.seconds} s`);
    assert.equal(report.problems[0].kind, 'slow-stop');
    assert.match(report.problems[0].message, /did not stop within terminationGracePeriodSeconds \(3 s\) after SIGTERM and was killed \(exit 137\)/);
  });

  it('the chart\'s environment reaches the container (names only on the command line)', async () => {
    const r = await runCli(['preflight', image('healthy'), '--chart', chart, '--duration', '2', '--helm', rigEnv().RIG_HELM4 as string, '--json'], childEnv());
    assert.equal(r.code, 0, r.err);
    assert.ok(JSON.parse(r.out).logTail.includes('started as preflight'), r.out);
    assert.doesNotMatch(r.err, /Worker__Name=preflight/);
  });

  it('what the chart takes from a Secret is not set: a crash says so; --env-file gives local values', async () => {
    const values = join(dir, 'secret-env.yaml');
    writeFileSync(values, 'env:\n  - name: QUEUE_URL\n    valueFrom:\n      secretKeyRef: { name: queue, key: url }\n');
    const crashed = await json('needsenv', ['-f', values]);
    assert.equal(crashed.code, 1);
    assert.deepEqual(crashed.report.unsetEnv, ['QUEUE_URL']);
    assert.match(crashed.report.problems[0].message, /^The container exited with code 1 .* The chart takes QUEUE_URL from Secrets or ConfigMaps, which preflight does not read: if the worker needs them to start, give local values in a file of NAME=value lines \(--env-file, or the setting aksWorker\.preflight\.envFile\)\.$/);
    const envFile = join(dir, 'local.env');
    writeFileSync(envFile, 'QUEUE_URL=amqp://localhost\n');
    const ok = await json('needsenv', ['-f', values, '--env-file', envFile]);
    assert.equal(ok.code, 0, JSON.stringify(ok.report.problems));
    assert.ok(ok.report.logTail.includes('queue amqp://localhost'), ok.report.logTail.join('\n'));
    const text = await cli([image('needsenv'), '--chart', chart, '-f', values, '--env-file', envFile, '--duration', '2']);
    assert.match(text.out, /not set here \(from Secrets or ConfigMaps\): QUEUE_URL; local values from .*local\.env/);
    assert.equal((await cli([image('needsenv'), '--env-file', join(dir, 'missing.env')])).code, 2);
  });

  it('startup (tcpSocket) first, then liveness (exec in the container) and readiness (httpGet with a header), each on its own schedule', async () => {
    const values = join(dir, 'kinds.yaml');
    writeFileSync(
      values,
      [
        'startupProbe:',
        '  tcpSocket: { port: health }',
        '  initialDelaySeconds: 1',
        '  periodSeconds: 1',
        '  failureThreshold: 10',
        'livenessProbe:',
        '  httpGet: null', // the chart's httpGet removed: the exec handler alone
        '  exec: { command: [cat, /www/ok/healthz] }',
        '  periodSeconds: 2',
        'readinessProbe:',
        '  httpGet: { path: /healthz, port: 8080, httpHeaders: [{ name: X-Probe, value: ready }] }',
        '  periodSeconds: 1',
        '  successThreshold: 2',
        '',
      ].join('\n'),
    );
    const { code, report } = await json('healthy', ['-f', values]);
    assert.equal(code, 0, JSON.stringify(report.problems));
    const first = (kind: string) => report.checks.find((c: any) => c.kind === kind);
    assert.ok(first('startup').at >= 1000, 'the startup probe waits initialDelaySeconds');
    assert.ok(first('liveness').at >= first('startup').at && first('readiness').at >= first('startup').at, 'liveness and readiness start once startup succeeded');
    assert.ok(report.checks.every((c: any) => c.ok), JSON.stringify(report.checks));
    assert.deepEqual(report.events.map((e: any) => [e.kind, e.what]), [['startup', 'started'], ['readiness', 'ready']]);
    const live = report.checks.filter((c: any) => c.kind === 'liveness');
    assert.ok(live.length >= 2 && live.length <= 3, `${live.length} exec checks every 2 s`);
    // an exec probe whose command fails is a failed check, with the command's own output
    writeFileSync(values, 'livenessProbe:\n  httpGet: null\n  exec: { command: [cat, /nowhere] }\n  periodSeconds: 1\n  failureThreshold: 2\n');
    const bad = await json('healthy', ['-f', values]);
    assert.equal(bad.code, 1);
    assert.match(bad.report.checks[0].message, /cat: can't open '\/nowhere': No such file or directory/);
    assert.equal(bad.report.problems[0].kind, 'killed');
  });

  it('a chart that renders several containers: exit 2 with the choices; --workload and --container pick one', async () => {
    const multi = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'chart-corpus', 'multi-component');
    const r = await cli([image('healthy'), '--chart', multi, '--duration', '1']);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /the chart renders several containers \(.*\): choose one with --workload and --container/);
    const m = /\((\S+) (\S+)[,)]/.exec(r.err);
    assert.ok(m, r.err);
    const picked = await cli([image('healthy'), '--chart', multi, '--workload', m[1], '--container', m[2], '--duration', '1', '--json']);
    assert.ok(picked.out.trim().startsWith('{'), picked.err);
    assert.match(JSON.parse(picked.out).probeSource, new RegExp(`^${m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, container ${m[2]}, as helm renders`));
  });

  it('bad input exits 2 and runs nothing', async () => {
    for (const [args, msg] of [
      [[image('healthy'), '--duration', 'soon'], /--duration must be a whole number of seconds from 1 to 3600 \(got "soon"\)/],
      [[image('healthy'), '--reach', 'magic'], /--reach must be netns, address or published/],
      [[image('healthy'), '--chart', dir], /is not a chart folder \(it has no Chart\.yaml\)/],
      [['not an image'], /neither a folder, a project file nor an image reference/],
      [[], /give one workspace folder, project file or image/],
    ] as const) {
      const r = await cli([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, msg);
    }
  });

  describe('reached at the container\'s address on a bridge network (--reach address, no root needed)', () => {
    const net = `aksw-pf-${process.pid}`;
    before(async () => {
      const { ok } = await import('../rig/tests/rig');
      await ok('docker', ['network', 'create', '--driver', 'bridge', net], { env: childEnv() });
    });
    after(async () => {
      const { run } = await import('../rig/tests/rig');
      await run('docker', ['network', 'rm', net], { env: childEnv() });
    });

    it('a healthy worker passes; the checks go to its address', async () => {
      const { code, report } = await json('healthy', ['--reach', 'address', '--network', net]);
      assert.equal(code, 0, JSON.stringify(report.problems));
      assert.equal(report.reach, 'address');
      assert.match(report.reachDetail, /^\d+\.\d+\.\d+\.\d+, the container's address on its network$/);
      assert.ok(report.checks.slice(1).every((c: any) => c.ok), JSON.stringify(report.checks));
    });

    it('nothing listening and 127.0.0.1 only are told apart there too', async () => {
      const idle = await json('idle', ['--reach', 'address', '--network', net]);
      assert.equal(idle.report.problems[0].kind, 'no-listener');
      assert.match(idle.report.checks[0].message, /^Get "http:\/\/[\d.]+:8080\/healthz": dial tcp [\d.]+:8080: connect: connection refused$/);
      const local = await json('loopback', ['--reach', 'address', '--network', net]);
      assert.equal(local.report.problems[0].kind, 'loopback-only');
    });

    it('a container with no address (network none) says what to do (exit 1)', async () => {
      const r = await cli([image('healthy'), '--chart', chart, '--reach', 'address', '--network', 'none', '--duration', '2']);
      assert.equal(r.code, 1, r.out + r.err);
      assert.match(r.err, /The container has no address on a network of this machine \(network none\): .*--network bridge, or a network of your own\), or as root, where preflight enters its network namespace \(--reach netns\)\./);
    });
  });

  it('--reach published on an engine that cannot publish ports says so and what to do (exit 1)', async () => {
    const r = await cli([image('healthy'), '--chart', chart, '--reach', 'published', '--duration', '2']);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /The Docker engine did not publish port 8080 of the container: its network has no port mapping .* \(--reach netns, Linux as root\), or on a bridge network \(--network bridge\)\./);
  });

  it('cancelled while it probes: stops at once, reports cancelled (not passed), removes the container', async () => {
    const { preflight } = await import('../../src/tools/preflight');
    const ctrl = new AbortController();
    const seen: string[] = [];
    const t0 = Date.now();
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = childEnv().DOCKER_HOST;
    try {
      const report = await preflight(
        { image: image('healthy'), chartDir: chart, durationSeconds: 60 },
        { paths: { helm: rigEnv().RIG_HELM4 as string }, signal: ctrl.signal, onProgress: (p) => { seen.push(p.message); if (p.check) ctrl.abort(); } },
      );
      assert.equal(report.cancelled, true);
      assert.equal(report.ok, false);
      assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms`);
      assert.ok(seen.some((m) => /^Probing for 60 s/.test(m)), seen.join('\n'));
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('Ctrl-C on the CLI ends it with 130 and removes its container', async () => {
    const { spawn } = await import('node:child_process');
    const cliJs = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
    const child = spawn(process.execPath, [cliJs, 'preflight', image('healthy'), '--chart', chart, '--duration', '120', '--helm', rigEnv().RIG_HELM4 as string], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    const name = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no probing after 60 s: ${err}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /container (aks-worker-preflight-[0-9a-f]+)/.exec(err);
        if (m && /Probing for 120 s/.test(err)) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, err);
    const { run } = await import('../rig/tests/rig');
    const ps = await run('docker', ['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}'], { env: childEnv() });
    assert.equal(ps.stdout.trim(), '', `${name} is gone`);
  });

  it('leaves no container behind', async () => {
    const { run } = await import('../rig/tests/rig');
    const r = await run('docker', ['ps', '-a', '--filter', 'label=aks-worker.preflight=1', '--format', '{{.Names}}'], { env: childEnv() });
    assert.equal(r.stdout.trim(), '');
  });
});
