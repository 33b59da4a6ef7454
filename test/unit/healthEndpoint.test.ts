import * as assert from 'node:assert/strict';
import {
  HEALTH_PACKAGE,
  addItemElement,
  centralManagementIn,
  dotnetMajor,
  findAppMapping,
  findBeatLoop,
  findRegistration,
  generateHealthFile,
  healthPackageVersion,
  isWebApplication,
  namespaceFrom,
  unifiedDiff,
} from '../../src/core/healthEndpoint';
import { GENERATED_MARKER, maskCSharp, scanHealthSources } from '../../src/core/healthScan';

const scan = (text: string) => scanHealthSources([{ file: '/w/Program.cs', text }]);

describe('health endpoint scan', () => {
  it('finds MapHealthChecks, UseHealthChecks, a health MapGet and an HttpListener prefix, with where and what path', () => {
    const found = scan(
      [
        'var app = builder.Build();',
        'app.MapHealthChecks("/healthz");',
        '  app.UseHealthChecks(@"/live");',
        'app.MapGet("/ready", () => "ok");',
        'app.MapGet("/orders", () => "no");',
        'listener.Prefixes.Add("http://+:8081/health/");',
      ].join('\n'),
    );
    assert.deepEqual(
      found.map((e) => [e.kind, e.line, e.column, e.path, e.port]),
      [
        ['map-health-checks', 2, 5, '/healthz', undefined],
        ['use-health-checks', 3, 7, '/live', undefined],
        ['map-get', 4, 5, '/ready', undefined],
        ['http-listener', 6, 10, '/health/', 8081],
      ],
    );
    assert.equal(found[0].text, 'app.MapHealthChecks("/healthz");');
  });

  it('ignores matches in comments and string literals, verbatim and raw strings included', () => {
    const text = [
      '// app.MapHealthChecks("/healthz");',
      '/* app.MapGet("/healthz", () => 1);',
      '   listener.Prefixes.Add("http://+:80/"); */',
      'var s = "app.MapHealthChecks(\\"/x\\")";',
      'var v = @"app.UseHealthChecks(""/y"")";',
      'var r = """',
      '  app.MapHealthChecks("/z");',
      '  """;',
      "var c = '\"'; var after = 1;",
    ].join('\r\n');
    assert.deepEqual(scan(text), []);
    const masked = maskCSharp(text);
    assert.equal(masked.length, text.length, 'offsets kept');
    assert.equal(masked.split('\n').length, text.split('\n').length, 'lines kept');
    assert.match(masked, /var after = 1;/);
  });

  it('recognises the file Add Health Endpoint wrote, BOM or not', () => {
    const file = generateHealthFile({ namespace: 'W', port: 8080, path: '/healthz', thresholdSeconds: 30, variant: 'listener' });
    assert.ok(file.startsWith(GENERATED_MARKER));
    const found = scanHealthSources([{ file: '/w/WorkerHealth.cs', text: `\uFEFF${file}` }]);
    assert.deepEqual(
      found.map((e) => e.kind),
      ['generated'],
    );
  });

  it('a plain worker has no evidence', () => {
    assert.deepEqual(scan('var builder = Host.CreateApplicationBuilder(args);\nbuilder.Services.AddHostedService<Worker>();\nbuilder.Build().Run();\n'), []);
  });
});

describe('health endpoint generator', () => {
  it('listener: HttpListener on the port and path, the threshold setting, AddWorkerHealth in the DI namespace; nothing from ASP.NET Core', () => {
    const t = generateHealthFile({ namespace: 'Contoso.Mailer', port: 8081, path: '/live', thresholdSeconds: 45, variant: 'listener' });
    assert.match(t, /public const int Port = 8081;/);
    assert.match(t, /public const string Path = "\/live";/);
    assert.match(t, /configuration\.GetValue\("Worker:HeartbeatThresholdSeconds", 45\.0\)/);
    assert.match(t, /new HttpListener\(\)/);
    assert.match(t, /\$"http:\/\/\+:\{WorkerHealthEndpoint\.Port\}\/"/);
    assert.match(t, /response\.StatusCode = report\.Status == HealthStatus\.Unhealthy \? 503 : 200;/);
    assert.match(t, /response\.StatusCode = 404;/);
    assert.match(t, /^namespace Contoso\.Mailer$/m);
    assert.match(t, /^namespace Microsoft\.Extensions\.DependencyInjection$/m);
    assert.match(t, /public static IServiceCollection AddWorkerHealth\(this IServiceCollection services\)/);
    assert.match(t, /services\.AddHostedService<global::Contoso\.Mailer\.WorkerHealthListener>\(\);/);
    assert.doesNotMatch(t, /AspNetCore/);
    assert.doesNotMatch(t, /\r/);
  });

  it('aspnet: a slim Kestrel app with MapHealthChecks against the worker\'s own HealthCheckService', () => {
    const t = generateHealthFile({ namespace: 'N', port: 8080, path: '/healthz', thresholdSeconds: 30, variant: 'aspnet', eol: '\r\n' });
    assert.match(t, /WebApplication\.CreateSlimBuilder/);
    assert.match(t, /kestrel\.ListenAnyIP\(WorkerHealthEndpoint\.Port\)/);
    assert.match(t, /builder\.Services\.AddSingleton<HealthCheckService>\(_health\);/);
    assert.match(t, /app\.MapHealthChecks\(WorkerHealthEndpoint\.Path\);/);
    assert.match(t, /services\.AddHostedService<global::N\.WorkerHealthServer>\(\);/);
    assert.doesNotMatch(t, /HttpListener/);
    assert.equal(t.split('\r\n').length, t.split('\n').length, 'CRLF throughout');
  });

  it('the package version follows the framework major, from one table', () => {
    assert.equal(healthPackageVersion('net8.0'), '8.0.34');
    assert.equal(healthPackageVersion('net9.0'), '9.0.23');
    assert.equal(healthPackageVersion('net10.0'), '10.0.15');
    assert.equal(healthPackageVersion('net10.0-windows'), '10.0.15');
    assert.equal(healthPackageVersion('net11.0'), '10.0.15', 'newer than the table: the newest it knows');
    assert.throws(() => healthPackageVersion('net7.0'), /needs \.NET 8 or later; the project targets net7\.0/);
    assert.throws(() => healthPackageVersion('netstandard2.0'), /needs \.NET 8/);
    assert.equal(dotnetMajor('netcoreapp3.1'), undefined);
  });

  it('namespaces from project names are valid C#', () => {
    assert.equal(namespaceFrom('Contoso.Ingest.Worker'), 'Contoso.Ingest.Worker');
    assert.equal(namespaceFrom('my-worker.2'), 'my_worker._2');
    assert.equal(namespaceFrom('...'), 'Worker');
  });
});

describe('Program.cs registration', () => {
  it('top-level statements: after the AddHostedService line, same receiver and indentation', () => {
    const text = 'var builder = Host.CreateApplicationBuilder(args);\nbuilder.Services.AddHostedService<Worker>();\n\nbuilder.Build().Run();\n';
    const r = findRegistration(text);
    assert.ok('insert' in r);
    assert.equal(r.text, 'builder.Services.AddWorkerHealth();');
    assert.equal(r.line, 3);
    assert.equal(text.slice(0, r.offset) + r.insert + text.slice(r.offset), 'var builder = Host.CreateApplicationBuilder(args);\nbuilder.Services.AddHostedService<Worker>();\nbuilder.Services.AddWorkerHealth();\n\nbuilder.Build().Run();\n');
  });

  it('ConfigureServices lambda: services.AddWorkerHealth() inside the block; CRLF and BOM kept; the last registration wins', () => {
    const text = '\uFEFFIHost host = Host.CreateDefaultBuilder(args)\r\n    .ConfigureServices((ctx, services) =>\r\n    {\r\n\tservices.AddHostedService<Other>();\r\n        services.AddHostedService<Worker>(); // the loop\r\n    })\r\n    .Build();\r\n';
    const r = findRegistration(text);
    assert.ok('insert' in r);
    const after = text.slice(0, r.offset) + r.insert + text.slice(r.offset);
    assert.equal(after, text.replace('// the loop\r\n', '// the loop\r\n        services.AddWorkerHealth();\r\n'));
    assert.ok(after.startsWith('\uFEFF'));
  });

  it('shapes it cannot edit safely give the line to add by hand', () => {
    const chained = findRegistration('builder.Services.AddHostedService<Worker>().AddSingleton<X>();\n');
    assert.ok('manual' in chained && /chained call/.test(chained.manual) && /builder\.Services\.AddWorkerHealth\(\);/.test(chained.manual));
    const oneLine = findRegistration('Host.CreateDefaultBuilder(args).ConfigureServices(s => { s.AddHostedService<Worker>(); }).Build().Run();\n');
    assert.ok('manual' in oneLine && /shares its line/.test(oneLine.manual));
    const none = findRegistration('Console.WriteLine("hello");\n');
    assert.ok('manual' in none && /No AddHostedService/.test(none.manual));
    const web = findRegistration('var builder = WebApplication.CreateBuilder(args);\nbuilder.Services.AddHostedService<Worker>();\n');
    assert.ok('manual' in web && /WebApplication/.test(web.manual) && /MapHealthChecks/.test(web.manual));
    const commented = findRegistration('// builder.Services.AddHostedService<Worker>();\n');
    assert.ok('manual' in commented);
  });

  it('a Program.cs that registers it already is left alone', () => {
    const r = findRegistration('builder.Services.AddHostedService<Worker>();\nbuilder.Services.AddWorkerHealth();\n');
    assert.deepEqual(r, { already: { line: 2 } });
  });
});

describe('project and props edits', () => {
  it('adds a PackageReference after the last one, with its indentation (tabs), CRLF and BOM kept', () => {
    const text = '\uFEFF<Project Sdk="Microsoft.NET.Sdk.Worker">\r\n\t<ItemGroup>\r\n\t\t<PackageReference Include="Microsoft.Extensions.Hosting" Version="8.0.1" />\r\n\t</ItemGroup>\r\n</Project>\r\n';
    const after = addItemElement(text, 'PackageReference', HEALTH_PACKAGE, '8.0.34');
    assert.equal(after, text.replace('8.0.1" />\r\n', `8.0.1" />\r\n\t\t<PackageReference Include="${HEALTH_PACKAGE}" Version="8.0.34" />\r\n`));
  });

  it('a multi-line PackageReference and a commented-out one', () => {
    const text = '<Project>\n  <ItemGroup>\n    <PackageReference Include="A">\n      <Version>1.0.0</Version>\n    </PackageReference>\n    <!-- <PackageReference Include="Microsoft.Extensions.Diagnostics.HealthChecks" Version="1.0" /> -->\n  </ItemGroup>\n</Project>\n';
    const after = addItemElement(text, 'PackageReference', HEALTH_PACKAGE, '9.0.23');
    assert.equal(after, text.replace('</PackageReference>\n', `</PackageReference>\n    <PackageReference Include="${HEALTH_PACKAGE}" Version="9.0.23" />\n`));
  });

  it('no ItemGroup yet: a new one before </Project>, spaced as the file spaces its groups', () => {
    const spaced = '<Project Sdk="Microsoft.NET.Sdk.Worker">\n\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n\n</Project>\n';
    assert.equal(
      addItemElement(spaced, 'PackageReference', HEALTH_PACKAGE, '8.0.34'),
      spaced.replace('</PropertyGroup>\n\n', `</PropertyGroup>\n\n  <ItemGroup>\n    <PackageReference Include="${HEALTH_PACKAGE}" Version="8.0.34" />\n  </ItemGroup>\n\n`),
    );
    const tight = '<Project>\n  <PropertyGroup />\n</Project>';
    assert.equal(addItemElement(tight, 'PackageVersion', HEALTH_PACKAGE, '10.0.15'), `<Project>\n  <PropertyGroup />\n  <ItemGroup>\n    <PackageVersion Include="${HEALTH_PACKAGE}" Version="10.0.15" />\n  </ItemGroup>\n</Project>`);
  });

  it('already referenced (any letter case) or versioned centrally: no change; a version-less reference under CPM', () => {
    assert.equal(addItemElement('<Project><ItemGroup><PackageReference Include="microsoft.extensions.diagnostics.healthchecks" /></ItemGroup></Project>', 'PackageReference', HEALTH_PACKAGE), undefined);
    assert.equal(addItemElement(`<Project><ItemGroup>\n  <PackageVersion Include="${HEALTH_PACKAGE}" Version="10.0.1" />\n</ItemGroup></Project>`, 'PackageVersion', HEALTH_PACKAGE, '10.0.15'), undefined);
    const cpm = '<Project>\n  <ItemGroup>\n    <PackageReference Include="Microsoft.Extensions.Hosting" />\n  </ItemGroup>\n</Project>\n';
    assert.match(addItemElement(cpm, 'PackageReference', HEALTH_PACKAGE)!, /<PackageReference Include="Microsoft\.Extensions\.Diagnostics\.HealthChecks" \/>\n/);
    assert.equal(centralManagementIn('<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup></Project>'), true);
    assert.equal(centralManagementIn('<Project/>'), undefined);
  });
});

describe('the loop that should beat, and the diff', () => {
  it('names the ExecuteAsync loop and the worker namespace', () => {
    const hint = findBeatLoop([
      { file: '/w/Program.cs', text: 'while (!token.IsCancellationRequested) {}' },
      { file: '/w/Worker.cs', text: 'namespace Contoso.Mailer;\r\npublic class Worker : BackgroundService\r\n{\r\n    protected override async Task ExecuteAsync(CancellationToken stoppingToken)\r\n    {\r\n        while (!stoppingToken.IsCancellationRequested)\r\n        {\r\n        }\r\n    }\r\n}\r\n' },
    ]);
    assert.deepEqual(hint, { file: '/w/Worker.cs', line: 6, text: 'while (!stoppingToken.IsCancellationRequested)', namespace: 'Contoso.Mailer' });
    assert.equal(findBeatLoop([{ file: '/w/Worker.cs', text: 'class W { Task ExecuteAsync(CancellationToken t) => Task.CompletedTask; }' }]), undefined);
  });

  it('a unified diff of an insertion and of a new file', () => {
    assert.equal(unifiedDiff('P.cs', 'a\nb\nc\n', 'a\nb\nx\nc\n', 1), '--- a/P.cs\n+++ b/P.cs\n@@ -2,2 +2,3 @@\n b\n+x\n c\n');
    assert.equal(unifiedDiff('N.cs', undefined, 'one\r\ntwo\r\n'), '--- /dev/null\n+++ b/N.cs\n@@ -0,0 +1,2 @@\n+one\n+two\n');
    assert.equal(unifiedDiff('S.cs', 'same\n', 'same\n'), '');
  });
});

describe('a WebApplication Program.cs', () => {
  const web = 'var builder = WebApplication.CreateBuilder(args);\r\nbuilder.Services.AddHostedService<Worker>();\r\n\r\nvar app = builder.Build();\r\napp.MapGet("/", () => "hi");\r\napp.Run();\r\n';

  it('registers after AddHostedService and maps after builder.Build(), CRLF kept', () => {
    const r = findRegistration(web, 'AddWorkerHealth', true);
    const m = findAppMapping(web);
    assert.ok('insert' in r && 'insert' in m);
    assert.equal(m.text, 'app.MapWorkerHealth();');
    let after = web;
    for (const i of [m, r]) after = after.slice(0, i.offset) + i.insert + after.slice(i.offset);
    assert.equal(after, web.replace('AddHostedService<Worker>();\r\n', 'AddHostedService<Worker>();\r\nbuilder.Services.AddWorkerHealth();\r\n').replace('builder.Build();\r\n', 'builder.Build();\r\napp.MapWorkerHealth();\r\n'));
    assert.ok(isWebApplication(web));
    assert.deepEqual(findAppMapping(`${web}app.MapWorkerHealth();\n`), { already: { line: 7 } });
    const chained = findAppMapping('var builder = WebApplication.CreateBuilder(args);\nbuilder.Build().Run();\n');
    assert.ok('manual' in chained && /app\.MapWorkerHealth\(\);/.test(chained.manual));
  });

  it('the webapp file adds the heartbeat and the check, no server of its own, and MapWorkerHealth', () => {
    const t = generateHealthFile({ namespace: 'W', port: 8080, path: '/healthz', thresholdSeconds: 30, variant: 'webapp' });
    assert.match(t, /public static IEndpointConventionBuilder MapWorkerHealth\(this IEndpointRouteBuilder endpoints\) =>\n\s+endpoints\.MapHealthChecks\(global::W\.WorkerHealthEndpoint\.Path\);/);
    assert.doesNotMatch(t, /AddHostedService|HttpListener|CreateSlimBuilder/);
    assert.match(t, /app\.MapWorkerHealth\(\);/);
  });
});
