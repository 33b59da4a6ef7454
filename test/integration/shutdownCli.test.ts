import * as assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireDotnet } from '../support/corpus';
import { runCli } from '../support/runCli';
import { rigEnv, tmp } from '../rig/tests/rig';

interface ShutdownJson {
  verdict: 'ok' | 'warning' | 'unknown';
  message: string;
  terminationGracePeriodSeconds: { seconds: number; from: string; at?: { file: string; line?: number }; editable: boolean };
  shutdownTimeoutSeconds: { seconds: number | null; from: string; text: string; at?: { file: string; line?: number }; overridden: Array<{ from: string; seconds: number | null; text: string; at?: { file: string; line?: number }; ignored?: string }> };
  preStop: { seconds: number | null; text: string } | null;
  recommendedGraceSeconds: number | null;
  project: string | null;
  targetFramework: string | null;
  evaluation: 'msbuild' | 'static' | null;
  graceHint?: { text: string; at?: { file: string; line?: number } };
  notes: string[];
}

const sample = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker', 'charts', 'sample-worker');

/**
 * `aks-worker probes get` and `probes set --termination-grace-period` on the sample chart beside a
 * worker project of the test's own (so its ShutdownTimeout is known): real Helm 4 renders the chart,
 * the real .NET SDK evaluates the project.
 */
describe('aks-worker probes get: the shutdown budget (real Helm and .NET SDK)', function () {
  this.timeout(240_000);
  let root: string;
  let chart: string;
  let helm: string;
  const cli = (args: string[]) => runCli([...args, '--helm', helm]);
  const get = async (...extra: string[]) => {
    const r = await cli(['probes', 'get', chart, '--json', ...extra]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as Record<string, unknown> & { shutdown: ShutdownJson };
  };

  before(() => {
    requireDotnet();
    helm = rigEnv().RIG_HELM4 as string;
    root = tmp('shutdown-cli');
    chart = join(root, 'charts', 'sample-worker');
    cpSync(sample, chart, { recursive: true });
    const project = join(root, 'src', 'Drainer');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 'Drainer.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n    <ImplicitUsings>enable</ImplicitUsings>\n  </PropertyGroup>\n</Project>\n');
    writeFileSync(
      join(project, 'Program.cs'),
      [
        'var builder = Host.CreateApplicationBuilder(args);',
        '// The worker finishes its current job on a stop: give it 20 s.',
        'builder.Services.Configure<HostOptions>(o =>',
        '{',
        '    o.ShutdownTimeout = TimeSpan.FromSeconds(20);',
        '});',
        'builder.Build().Run();',
        '',
      ].join('\n'),
    );
    writeFileSync(join(project, 'appsettings.json'), '{\n  // overridden by the code\n  "shutdownTimeoutSeconds": 40,\n}\n');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('--json: a shutdown object beside the fields it had; code wins over appsettings; the grace period is the default, and where the template needs it', async () => {
    const j = await get();
    // The existing fields are still there.
    assert.equal(j.location, 'values');
    assert.equal((j.budget as { maxBlockSeconds: number }).maxBlockSeconds, 55);
    const s = j.shutdown;
    assert.equal(s.project, '../../src/Drainer/Drainer.csproj');
    assert.equal(s.targetFramework, 'net8.0');
    assert.equal(s.evaluation, 'msbuild');
    assert.deepEqual(
      { seconds: s.shutdownTimeoutSeconds.seconds, from: s.shutdownTimeoutSeconds.from, at: s.shutdownTimeoutSeconds.at },
      { seconds: 20, from: 'code', at: { file: '../../src/Drainer/Program.cs', line: 5 } },
    );
    assert.deepEqual(
      s.shutdownTimeoutSeconds.overridden.map((o) => [o.from, o.seconds, o.at?.line]),
      [
        ['appsettings', 40, 3],
        ['default', 30, undefined],
      ],
    );
    assert.deepEqual(s.terminationGracePeriodSeconds, { seconds: 30, from: "not set: Kubernetes' default", editable: false });
    assert.equal(s.preStop, null);
    assert.equal(s.verdict, 'ok');
    assert.equal(s.recommendedGraceSeconds, 25);
    assert.match(s.graceHint?.text ?? '', /templates\/deployment\.yaml sets no terminationGracePeriodSeconds.*and "terminationGracePeriodSeconds: 30" to values\.yaml/);
    assert.deepEqual(s.graceHint?.at, { file: 'templates/deployment.yaml', line: 20 });
  });

  it('text: the verdict and where each number comes from', async () => {
    const r = await cli(['probes', 'get', chart]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^shutdown: ok: A stop gives the worker 20 s to finish its job; Kubernetes kills at 30 s, 10 s after the host gives up/m);
    assert.match(r.out, /^ {2}ShutdownTimeout 20 s: ShutdownTimeout = TimeSpan\.FromSeconds\(20\) \(\.\.\/\.\.\/src\/Drainer\/Program\.cs:5\)$/m);
    assert.match(r.out, /^ {4}overridden: "shutdownTimeoutSeconds": 40 \(\.\.\/\.\.\/src\/Drainer\/appsettings\.json:3\)$/m);
    assert.match(r.out, /^ {2}project \.\.\/\.\.\/src\/Drainer\/Drainer\.csproj, net8\.0 \(MSBuild\)$/m);
  });

  it('a grace period in values.yaml and a preStop sleep: warned with the figure, set by probes set --termination-grace-period, verified by a render', async () => {
    const template = join(chart, 'templates', 'deployment.yaml');
    writeFileSync(
      template,
      readFileSync(template, 'utf8')
        .replace('    spec:\n      containers:', '    spec:\n      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}\n      containers:')
        .replace('          ports:', '          lifecycle:\n            preStop:\n              exec:\n                command: ["/bin/sh", "-c", "sleep 8"]\n          ports:'),
    );
    const values = join(chart, 'values.yaml');
    writeFileSync(values, `${readFileSync(values, 'utf8')}terminationGracePeriodSeconds: 25\n`);
    const s = (await get()).shutdown;
    assert.equal(s.terminationGracePeriodSeconds.editable, true);
    assert.match(s.terminationGracePeriodSeconds.from, /^values\.yaml:\d+ terminationGracePeriodSeconds$/);
    assert.deepEqual(s.preStop, { seconds: 8, text: 'exec /bin/sh -c sleep 8', at: { file: 'templates/deployment.yaml', line: 26 } });
    assert.equal(s.verdict, 'warning');
    assert.equal(s.recommendedGraceSeconds, 33);
    assert.equal(
      s.message,
      "A stop gives the worker 17 s to finish its job, after preStop's 8 s; the host waits 20 s; Kubernetes kills at 25 s — raise terminationGracePeriodSeconds to at least ShutdownTimeout + preStop + 5 s (preStop 8 s + ShutdownTimeout 20 s + 5 s = 33 s).",
    );
    const before = readFileSync(values, 'utf8');
    const set = await cli(['probes', 'set', chart, '--termination-grace-period', '33']);
    assert.equal(set.code, 0, set.err);
    assert.match(set.out, /verified: helm renders terminationGracePeriodSeconds 33/);
    assert.equal(readFileSync(values, 'utf8'), before.replace('terminationGracePeriodSeconds: 25', 'terminationGracePeriodSeconds: 33'));
    assert.equal((await get()).shutdown.verdict, 'ok');
  });

  it('--no-msbuild reads the project without running dotnet; bad input is exit 2 with the reason', async () => {
    const s = (await get('--no-msbuild')).shutdown;
    assert.equal(s.evaluation, 'static');
    assert.equal(s.targetFramework, 'net8.0');
    for (const [args, want] of [
      [['probes', 'get', chart, '--project', join(root, 'nope.csproj')], /nope\.csproj: no such project file/],
      [['probes', 'set', chart, '--termination-grace-period', 'soon'], /whole number of seconds/],
      [['probes', 'set', chart, '--probe', 'liveness', '--termination-grace-period', '40'], /without --probe/],
    ] as Array<[string[], RegExp]>) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, want);
    }
  });
});
