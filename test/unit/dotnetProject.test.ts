import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';
import { ProjectError, findProjects, nearestSolutionDir, planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');
const csproj = (sdk: string, tfm: string, items = '') =>
  `<Project Sdk="${sdk}">\n  <PropertyGroup>\n    <${tfm.includes(';') ? 'TargetFrameworks' : 'TargetFramework'}>${tfm}</${tfm.includes(';') ? 'TargetFrameworks' : 'TargetFramework'}>\n  </PropertyGroup>\n${items}</Project>\n`;

const cli = (args: string[]) => runCli(args);

describe('Add Dockerfile on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-df-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the sample worker: context is the solution folder; the output matches the committed sample', async () => {
    cpSync(fixture, dir, { recursive: true });
    rmSync(join(dir, 'src/SampleWorker/Dockerfile'));
    rmSync(join(dir, '.dockerignore'));
    const plan = await planDockerfile(join(dir, 'src/SampleWorker/SampleWorker.csproj'));
    assert.equal(plan.context, dir);
    assert.equal(plan.runtimeImage, 'aspnet');
    assert.match(plan.runtimeReason, /Microsoft\.AspNetCore\.App/);
    assert.equal(plan.healthPort, 8080);
    const written = await writeDockerfilePlan(plan);
    assert.deepEqual(written, [join(dir, 'src/SampleWorker/Dockerfile'), join(dir, '.dockerignore')]);
    assert.equal(readFileSync(written[0], 'utf8'), readFileSync(join(fixture, 'src/SampleWorker/Dockerfile'), 'utf8'));
    assert.deepEqual(readdirSync(join(dir, 'src/SampleWorker')).filter((f) => f.endsWith('.tmp')), []);
  });

  it('without a solution the project folder is the context; referenced projects inside it are copied for restore', async () => {
    mkdirSync(join(dir, 'W/Lib'), { recursive: true });
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net9.0', '  <ItemGroup><ProjectReference Include="Lib\\Lib.csproj" /></ItemGroup>\n'));
    writeFileSync(join(dir, 'W/Lib/Lib.csproj'), csproj('Microsoft.NET.Sdk', 'net9.0'));
    const plan = await planDockerfile(join(dir, 'W/W.csproj'), { stopAt: dir });
    assert.equal(plan.context, join(dir, 'W'));
    assert.equal(plan.runtimeImage, 'runtime');
    assert.match(plan.dockerfileText, /^COPY \["W\.csproj", "\.\/"\]\nCOPY \["Lib\/Lib\.csproj", "Lib\/"\]$/m);
    assert.match(plan.dockerfileText, /^FROM mcr\.microsoft\.com\/dotnet\/runtime:9\.0 AS base$/m);
  });

  it('multi-targeted projects need a framework; unknown ones are refused', async () => {
    writeFileSync(join(dir, 'M.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0;net9.0'));
    await assert.rejects(planDockerfile(join(dir, 'M.csproj')), (e: unknown) => e instanceof ProjectError && e.code === 'framework' && /several frameworks \(net8\.0, net9\.0\)/.test(e.message));
    assert.match((await planDockerfile(join(dir, 'M.csproj'), { framework: 'net9.0' })).dockerfileText, /sdk:9\.0/);
    await assert.rejects(planDockerfile(join(dir, 'M.csproj'), { framework: 'net7.0' }), /not among/);
  });

  it('never overwrites without force, and keeps a tuned .dockerignore', async () => {
    writeFileSync(join(dir, 'W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
    writeFileSync(join(dir, '.dockerignore'), 'mine\n');
    const plan = await planDockerfile(join(dir, 'W.csproj'), { stopAt: dir });
    assert.deepEqual(await writeDockerfilePlan(plan), [join(dir, 'Dockerfile')]);
    assert.equal(readFileSync(join(dir, '.dockerignore'), 'utf8'), 'mine\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await assert.rejects(writeDockerfilePlan(plan), (e: unknown) => e instanceof ProjectError && e.code === 'exists');
    assert.equal(readFileSync(join(dir, 'Dockerfile'), 'utf8'), 'FROM scratch\n');
    await writeDockerfilePlan(plan, { force: true });
    assert.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), /AS final/);
  });

  it('finds projects and the nearest solution', async () => {
    mkdirSync(join(dir, 'src/A/bin'), { recursive: true });
    writeFileSync(join(dir, 'src/A/A.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
    writeFileSync(join(dir, 'src/A/bin/Copy.csproj'), '');
    writeFileSync(join(dir, 'All.sln'), '');
    assert.deepEqual(await findProjects(dir), [join(dir, 'src/A/A.csproj')]);
    assert.equal(await nearestSolutionDir(join(dir, 'src/A'), dir), dir);
    assert.equal(await nearestSolutionDir(join(dir, 'src/A'), join(dir, 'src')), undefined);
  });

  describe('aks-worker dockerfile', () => {
    it('writes the files and prints their paths (exit 0)', async () => {
      writeFileSync(join(dir, 'W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
      const r = await cli(['dockerfile', dir, '--health-port', '9090']);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.out.trim().split('\n'), [join(dir, 'Dockerfile'), join(dir, '.dockerignore')]);
      assert.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), /^EXPOSE 9090\nENV ASPNETCORE_HTTP_PORTS=9090$/m);
    });
    it('bad input: exit 2, a message on stderr, nothing written', async () => {
      writeFileSync(join(dir, 'Bad.csproj'), '<Project Sdk="Microsoft.NET.Sdk">\n<PropertyGroup>\n</Project>');
      const cases: Array<[string[], RegExp]> = [
        [['dockerfile'], /give one project folder/],
        [['dockerfile', join(dir, 'nope')], /does not exist/],
        [['dockerfile', dir], /not valid XML/],
        [['dockerfile', join(dir, 'Bad.csproj'), '--health-port', '70000'], /--health-port must be/],
      ];
      for (const [args, want] of cases) {
        const r = await cli(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.equal(r.out, '');
        assert.match(r.err, want);
      }
      assert.equal(existsSync(join(dir, 'Dockerfile')), false);
      assert.equal(existsSync(join(dir, '.dockerignore')), false);
      writeFileSync(join(dir, 'Other.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
      const several = await cli(['dockerfile', dir]);
      assert.equal(several.code, 2);
      assert.match(several.err, /several projects/);
    });
  });
});
