import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWorkerProject, readWorkerTimeout } from '../../src/tools/shutdown';

const csproj = (tfm: string) => `<Project Sdk="Microsoft.NET.Sdk.Worker">\n  <PropertyGroup>\n    <TargetFramework>${tfm}</TargetFramework>\n  </PropertyGroup>\n</Project>\n`;

describe('shutdown: the worker project beside a chart, read without running dotnet', () => {
  let root: string;
  let chart: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'aksw-shutdown-'));
    chart = join(root, 'repo', 'charts', 'queue-worker');
    mkdirSync(chart, { recursive: true });
    for (const [name, tfm] of [
      ['QueueWorker', 'net9.0'],
      ['Shared', 'net9.0'],
    ]) {
      mkdirSync(join(root, 'repo', 'src', name), { recursive: true });
      writeFileSync(join(root, 'repo', 'src', name, `${name}.csproj`), csproj(tfm));
    }
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('picks the project named like the chart among several; none named so: says so', async () => {
    assert.equal((await findWorkerProject(chart, ['queue-worker'])).project, join(root, 'repo', 'src', 'QueueWorker', 'QueueWorker.csproj'));
    const none = await findWorkerProject(chart, ['billing']);
    assert.equal(none.project, undefined);
    assert.match(none.note ?? '', /Several projects near the chart .* --project/);
  });

  it('does not look above a repository root', async () => {
    const inner = join(root, 'repo', 'deploy', 'charts', 'queue-worker');
    mkdirSync(inner, { recursive: true });
    mkdirSync(join(root, 'repo', 'deploy', '.git'));
    const r = await findWorkerProject(inner, ['queue-worker']);
    assert.equal(r.project, undefined);
    assert.match(r.note ?? '', /No \.NET project found near the chart/);
  });

  it('reads the settings file of the environment the container runs in, and the code, statically', async () => {
    const dir = join(root, 'repo', 'src', 'QueueWorker');
    writeFileSync(join(dir, 'appsettings.json'), '{ "shutdownTimeoutSeconds": 40 }');
    writeFileSync(join(dir, 'appsettings.Staging.json'), '{\n  "shutdownTimeoutSeconds": 50\n}');
    const env = [{ name: 'DOTNET_ENVIRONMENT', value: 'Staging' }];
    const w = await readWorkerTimeout(chart, ['queue-worker'], env, undefined, { evaluation: 'static' });
    assert.equal(w.evaluation, 'static');
    assert.equal(w.targetFramework, 'net9.0');
    assert.equal(w.timeout.seconds, 50);
    assert.deepEqual(w.timeout.source.at, { file: join(dir, 'appsettings.Staging.json'), line: 2 });
    assert.equal((await readWorkerTimeout(chart, ['queue-worker'], [], undefined, { evaluation: 'static' })).timeout.seconds, 40, 'Production by default');
    mkdirSync(join(dir, 'obj'));
    writeFileSync(join(dir, 'obj', 'Generated.cs'), 'services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));');
    writeFileSync(join(dir, 'Program.cs'), 'builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMinutes(2));');
    const code = await readWorkerTimeout(chart, ['queue-worker'], env, undefined, { evaluation: 'static' });
    assert.equal(code.timeout.seconds, 120, 'the code wins; obj/ is not the project\'s code');
  });

  it('a settings file the host could not parse is left out, and said', async () => {
    writeFileSync(join(root, 'repo', 'src', 'QueueWorker', 'appsettings.json'), '{ "shutdownTimeoutSeconds": 40 "x": 1 }');
    const w = await readWorkerTimeout(chart, ['queue-worker'], [], undefined, { evaluation: 'static' });
    assert.equal(w.timeout.seconds, 30);
    assert.match(w.notes.join('\n'), /appsettings\.json:1: expected "," or "}".*the host would fail to start with it/);
  });
});
