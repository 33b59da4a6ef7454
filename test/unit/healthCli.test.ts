import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'plain-workers');

/** Every file of a folder with its bytes, for "nothing was written" checks. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(p, readFileSync(p, 'latin1'));
    }
  };
  walk(dir);
  return out;
}

describe('aks-worker health add (read without MSBuild)', function () {
  this.timeout(30_000);
  let dir: string;
  const copy = (name: string) => {
    const d = join(dir, `${name}-${Math.random().toString(36).slice(2, 8)}`);
    cpSync(join(FIXTURES, name), d, { recursive: true });
    return d;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-health-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('net8 ConfigureServices worker: WorkerHealth.cs, one line in Program.cs, the 8.0 package; prints the files and the next step', async () => {
    const d = copy('net8-default-builder');
    const program = readFileSync(join(d, 'Program.cs'), 'utf8');
    const r = await runCli(['health', 'add', d, '--no-msbuild', '--port', '8099', '--threshold', '20']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(
      r.out.trim().split('\n').map((l) => l.replace(/.*[\\/]/, '')),
      ['WorkerHealth.cs', 'Program.cs', 'Contoso.Mailer.csproj'],
    );
    assert.equal(readFileSync(join(d, 'Program.cs'), 'utf8'), program.replace('services.AddHostedService<Worker>();\n', 'services.AddHostedService<Worker>();\n        services.AddWorkerHealth();\n'));
    assert.match(readFileSync(join(d, 'Contoso.Mailer.csproj'), 'utf8'), /<PackageReference Include="Microsoft\.Extensions\.Hosting" Version="8\.0\.1" \/>\n {4}<PackageReference Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" Version="8\.0\.34" \/>\n/);
    const health = readFileSync(join(d, 'WorkerHealth.cs'), 'utf8');
    assert.match(health, /^namespace Contoso\.Mailer$/m);
    assert.match(health, /Port = 8099;/);
    assert.match(health, /"Worker:HeartbeatThresholdSeconds", 20\.0/);
    assert.match(r.err, /HttpListener endpoint on port 8099, path \/healthz \(net8\.0\)/);
    assert.match(r.err, /next: Take WorkerHeartbeat in your worker's constructor and call heartbeat\.Beat\(\) once per iteration in the loop at .*Worker\.cs:19 \(while \(!stoppingToken\.IsCancellationRequested\)\)/);
    assert.match(r.err, /warning: the project was read without MSBuild/);

    // Run again: ours is there, so it says so and writes nothing.
    const before = snapshot(d);
    const again = await runCli(['health', 'add', join(d, 'Contoso.Mailer.csproj'), '--no-msbuild']);
    assert.equal(again.code, 2);
    assert.match(again.err, /WorkerHealth\.cs was added by Add Health Endpoint already/);
    assert.deepEqual(snapshot(d), before);
  });

  it('net9 with ASP.NET Core: the Kestrel variant and no package', async () => {
    const d = copy('net9-aspnet');
    const csproj = readFileSync(join(d, 'Northwind.Reports.csproj'), 'utf8');
    const r = await runCli(['health', 'add', d, '--no-msbuild', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { variant: string; packageVersion?: string; registration: { line: number; text: string }; edits: Array<{ file: string; created: boolean }>; port: number; path: string };
    assert.equal(j.variant, 'aspnet');
    assert.equal(j.packageVersion, undefined);
    assert.deepEqual(j.registration, { file: join(d, 'Program.cs'), line: 5, text: 'builder.Services.AddWorkerHealth();' });
    assert.deepEqual(
      j.edits.map((e) => [e.file.replace(/.*[\\/]/, ''), e.created]),
      [
        ['WorkerHealth.cs', true],
        ['Program.cs', false],
      ],
    );
    assert.equal([j.port, j.path].join(' '), '8080 /healthz');
    assert.equal(readFileSync(join(d, 'Northwind.Reports.csproj'), 'utf8'), csproj, 'the project file is not touched');
    assert.match(readFileSync(join(d, 'WorkerHealth.cs'), 'utf8'), /MapHealthChecks/);
  });

  it('net10 with central package management, BOM and CRLF: PackageVersion in Directory.Packages.props, a version-less reference, bytes kept', async () => {
    const d = copy('net10-cpm-vs');
    const proj = join(d, 'src', 'Fabrikam.Sync.Worker');
    // The fixture is checked out with CRLF by its .gitattributes; make sure of it whatever git did.
    for (const f of ['Program.cs', 'Fabrikam.Sync.Worker.csproj']) writeFileSync(join(proj, f), readFileSync(join(proj, f), 'utf8').replace(/\r?\n/g, '\r\n'));
    writeFileSync(join(d, 'Directory.Packages.props'), readFileSync(join(d, 'Directory.Packages.props'), 'utf8').replace(/\r?\n/g, '\r\n'));
    const programBefore = readFileSync(join(proj, 'Program.cs'), 'utf8');
    const r = await runCli(['health', 'add', proj, '--no-msbuild', '--path', '/live']);
    assert.equal(r.code, 0, r.err);
    const program = readFileSync(join(proj, 'Program.cs'), 'utf8');
    assert.ok(program.startsWith('\uFEFF'), 'BOM kept');
    assert.equal(program, programBefore.replace('AddHostedService<Worker>();\r\n', 'AddHostedService<Worker>();\r\nbuilder.Services.AddWorkerHealth();\r\n'));
    const csproj = readFileSync(join(proj, 'Fabrikam.Sync.Worker.csproj'), 'utf8');
    assert.ok(csproj.startsWith('\uFEFF'));
    assert.match(csproj, /\t\t<PackageReference Include="Microsoft\.Extensions\.Hosting" \/>\r\n\t\t<PackageReference Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" \/>\r\n/);
    assert.match(readFileSync(join(d, 'Directory.Packages.props'), 'utf8'), /Version="10\.0\.15" \/>\r\n {4}<PackageVersion Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" Version="10\.0\.15" \/>\r\n/);
    const health = readFileSync(join(proj, 'WorkerHealth.cs'), 'utf8');
    assert.equal(health.split('\r\n').length, health.split('\n').length, 'the new file uses CRLF like Program.cs');
    assert.match(health, /Path = "\/live";/);
  });

  it('--dry-run prints the diff and writes nothing', async () => {
    const d = copy('net8-default-builder');
    const before = snapshot(d);
    const r = await runCli(['health', 'add', d, '--no-msbuild', '--dry-run']);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(snapshot(d), before);
    assert.match(r.out, /^--- \/dev\/null\n\+\+\+ b\/.*WorkerHealth\.cs\n@@ -0,0 \+1,\d+ @@\n\+\/\/ Added by AKS Worker Deploy/m);
    assert.match(r.out, /^\+ {8}services\.AddWorkerHealth\(\);$/m);
    assert.match(r.out, /^\+ {4}<PackageReference Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" Version="8\.0\.34" \/>$/m);
    assert.match(r.err, /dry run: nothing was written/);
  });

  it('a worker that serves an endpoint already: exit 2 with where; --force adds ours all the same', async () => {
    const d = copy('net9-aspnet');
    writeFileSync(join(d, 'Health.cs'), 'namespace Northwind.Reports;\n// app.MapHealthChecks("/commented");\nstatic class H { public static void Map(Microsoft.AspNetCore.Builder.WebApplication app) => app.MapHealthChecks("/hz"); }\n');
    const before = snapshot(d);
    const r = await runCli(['health', 'add', d, '--no-msbuild']);
    assert.equal(r.code, 2);
    assert.match(r.err, /serves a health endpoint already:\n {2}Health\.cs:3:\d+: static class H/);
    assert.doesNotMatch(r.err, /commented/);
    assert.match(r.err, /--force/);
    assert.deepEqual(snapshot(d), before);
    const forced = await runCli(['health', 'add', d, '--no-msbuild', '--force']);
    assert.equal(forced.code, 0, forced.err);
    assert.ok(existsSync(join(d, 'WorkerHealth.cs')));
  });

  it('bad input: exit 2, nothing written', async () => {
    const d = copy('net8-default-builder');
    const before = snapshot(d);
    for (const [args, message] of [
      [['health'], /give a subcommand/],
      [['health', 'remove', d], /unknown subcommand "remove"/],
      [['health', 'add', d, '--port', '0'], /--port must be a whole number from 1 to 65535/],
      [['health', 'add', d, '--threshold', '1.5'], /--threshold must be a whole number of seconds/],
      [['health', 'add', d, '--path', 'healthz'], /must start with "\/"/],
      [['health', 'add', join(d, 'nope')], /does not exist/],
      [['health', 'add', join(d, 'Program.cs')], /neither a folder nor a \.csproj/],
    ] as Array<[string[], RegExp]>) {
      const r = await runCli([...args, '--no-msbuild']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, message);
      assert.equal(r.out, '');
    }
    assert.deepEqual(snapshot(d), before);
    const two = join(dir, 'two');
    mkdirSync(join(two, 'a'), { recursive: true });
    mkdirSync(join(two, 'b'), { recursive: true });
    writeFileSync(join(two, 'a', 'A.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker" />');
    writeFileSync(join(two, 'b', 'B.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker" />');
    const r = await runCli(['health', 'add', two, '--no-msbuild']);
    assert.equal(r.code, 2);
    assert.match(r.err, /several projects/);
  });

  it('a WebApplication worker: the app maps the checks itself; two lines in Program.cs, no package, no second server', async () => {
    const d = join(dir, 'web');
    mkdirSync(d);
    writeFileSync(join(d, 'Web.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <PropertyGroup>\n    <TargetFramework>net10.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n');
    const program = 'var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddHostedService<Worker>();\n\nvar app = builder.Build();\napp.Run();\n';
    writeFileSync(join(d, 'Program.cs'), program);
    const r = await runCli(['health', 'add', d, '--no-msbuild', '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { variant: string; packageVersion?: string; registration: { line: number }; mapping: { line: number; text: string }; edits: unknown[] };
    assert.equal(j.variant, 'webapp');
    assert.equal(j.packageVersion, undefined);
    assert.equal(j.edits.length, 2);
    assert.equal(j.registration.line, 3);
    assert.deepEqual(j.mapping, { file: join(d, 'Program.cs'), line: 6, text: 'app.MapWorkerHealth();' });
    assert.equal(readFileSync(join(d, 'Program.cs'), 'utf8'), program.replace('<Worker>();\n', '<Worker>();\nbuilder.Services.AddWorkerHealth();\n').replace('builder.Build();\n', 'builder.Build();\napp.MapWorkerHealth();\n'));
    assert.doesNotMatch(readFileSync(join(d, 'WorkerHealth.cs'), 'utf8'), /AddHostedService/);
    assert.match(r.err, /endpoint on the WebApplication's own port/);
  });

  it('a framework older than .NET 8 is refused', async () => {
    const d = join(dir, 'old');
    mkdirSync(d);
    writeFileSync(join(d, 'Old.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker"><PropertyGroup><TargetFramework>net7.0</TargetFramework></PropertyGroup></Project>');
    writeFileSync(join(d, 'Program.cs'), 'var b = Host.CreateApplicationBuilder(args);\nb.Services.AddHostedService<W>();\n');
    const r = await runCli(['health', 'add', d, '--no-msbuild']);
    assert.equal(r.code, 2);
    assert.match(r.err, /needs \.NET 8 or later; the project targets net7\.0/);
    assert.ok(!existsSync(join(d, 'WorkerHealth.cs')));
  });
});
