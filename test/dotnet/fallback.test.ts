import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDotnet } from '../support/corpus';
import { runCli } from '../support/runCli';

/** When MSBuild cannot be asked, or refuses the project, with the machine's real .NET SDK. */
describe('MSBuild refusals and the fallback (real .NET SDK)', function () {
  this.timeout(120_000);
  let dir: string;
  const worker = '<Project Sdk="Microsoft.NET.Sdk.Worker">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n';
  before(() => requireDotnet());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-fallback-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a global.json that asks for an SDK this machine lacks: read without MSBuild, and said why', async () => {
    writeFileSync(join(dir, 'W.csproj'), worker);
    writeFileSync(join(dir, 'global.json'), '{ "sdk": { "version": "7.0.100", "rollForward": "disable" } }\n');
    const r = await runCli(['dockerfile', dir, '--json']);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out) as { evaluatedBy: string; warnings: string[]; targetFramework: string };
    assert.equal(plan.evaluatedBy, 'static');
    assert.equal(plan.targetFramework, 'net8.0');
    assert.ok(plan.warnings.some((w) => w.includes(`no installed .NET SDK matches the version 7.0.100 that ${join(dir, 'global.json')} asks for`)), plan.warnings.join('\n'));
  });

  it('--dotnet naming no executable: read without MSBuild, and said why', async () => {
    writeFileSync(join(dir, 'W.csproj'), worker);
    const r = await runCli(['dockerfile', dir, '--json', '--dotnet', join(dir, 'no-dotnet')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /guessed: read without MSBuild \(the \.NET SDK \(dotnet\) was not found at .*no-dotnet\)/);
  });

  it("MSBuild's own refusals are bad input with file:line:col: malformed XML, an SDK that does not exist", async () => {
    writeFileSync(join(dir, 'W.csproj'), '\ufeff<Project Sdk="Microsoft.NET.Sdk.Worker">\r\n  <PropertyGroup>\r\n    <TargetFramework>net8.0</TargetFrameworks>\r\n</Project>\r\n');
    let r = await runCli(['dockerfile', dir]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`^aks-worker dockerfile: ${join(dir, 'W.csproj').replace(/[.\\/]/g, '\\$&')}:3:\\d+: MSB4025: The project file could not be loaded`));
    writeFileSync(join(dir, 'W.csproj'), worker.replace('Microsoft.NET.Sdk.Worker', 'Contoso.NET.Sdk.Missing'));
    r = await runCli(['dockerfile', dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /W\.csproj: Could not resolve SDK "Contoso\.NET\.Sdk\.Missing"/);
  });
});
