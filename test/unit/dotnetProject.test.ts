import * as assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';
import { ProjectError, dockerfileMismatch, findProjects, nearestSolutionDir, planDockerfile, writeDockerfilePlan } from '../../src/tools/dotnetProject';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sample-worker');
const csproj = (sdk: string, tfm: string, items = '') =>
  `<Project Sdk="${sdk}">\n  <PropertyGroup>\n    <${tfm.includes(';') ? 'TargetFrameworks' : 'TargetFramework'}>${tfm}</${tfm.includes(';') ? 'TargetFrameworks' : 'TargetFramework'}>\n  </PropertyGroup>\n${items}</Project>\n`;

/** The static reader: these tests are about planning and writing, not MSBuild (test/dotnet has those). */
const STATIC = { evaluation: 'static' as const };
const cli = (args: string[]) => runCli([...args, '--no-msbuild']);

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
    const plan = await planDockerfile(join(dir, 'src/SampleWorker/SampleWorker.csproj'), STATIC);
    assert.equal(plan.context, dir);
    assert.equal(plan.runtimeImage, 'aspnet');
    assert.match(plan.runtimeReason, /Microsoft\.AspNetCore\.App/);
    assert.equal(plan.healthPort, 8080);
    const { written } = await writeDockerfilePlan(plan);
    assert.deepEqual(written, [join(dir, 'src/SampleWorker/Dockerfile'), join(dir, '.dockerignore')]);
    assert.equal(readFileSync(written[0], 'utf8'), readFileSync(join(fixture, 'src/SampleWorker/Dockerfile'), 'utf8'));
    assert.deepEqual(readdirSync(join(dir, 'src/SampleWorker')).filter((f) => f.endsWith('.tmp')), []);
  });

  it('without a solution the project folder is the context; referenced projects inside it are copied for restore', async () => {
    mkdirSync(join(dir, 'W/Lib'), { recursive: true });
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net9.0', '  <ItemGroup><ProjectReference Include="Lib\\Lib.csproj" /></ItemGroup>\n'));
    writeFileSync(join(dir, 'W/Lib/Lib.csproj'), csproj('Microsoft.NET.Sdk', 'net9.0'));
    const plan = await planDockerfile(join(dir, 'W/W.csproj'), { ...STATIC, stopAt: dir });
    assert.equal(plan.context, join(dir, 'W'));
    assert.equal(plan.runtimeImage, 'runtime');
    assert.match(plan.dockerfileText, /^COPY \["W\.csproj", "\.\/"\]\nCOPY \["Lib\/Lib\.csproj", "Lib\/"\]$/m);
    assert.match(plan.dockerfileText, /^FROM mcr\.microsoft\.com\/dotnet\/runtime:9\.0 AS base$/m);
  });

  it('multi-targeted projects need a framework; unknown ones are refused', async () => {
    writeFileSync(join(dir, 'M.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0;net9.0'));
    await assert.rejects(planDockerfile(join(dir, 'M.csproj'), STATIC), (e: unknown) => e instanceof ProjectError && e.code === 'framework' && /several frameworks \(net8\.0, net9\.0\)/.test(e.message) && e.choices?.join() === 'net8.0,net9.0');
    const nine = await planDockerfile(join(dir, 'M.csproj'), { ...STATIC, framework: 'net9.0' });
    assert.match(nine.dockerfileText, /sdk:9\.0/);
    assert.match(nine.dockerfileText, /-f net9\.0 -o \/app\/publish/);
    await assert.rejects(planDockerfile(join(dir, 'M.csproj'), { ...STATIC, framework: 'net7.0' }), /not among/);
  });

  it('never overwrites without force; keeps a tuned .dockerignore, and with force only adds the lines it lacks', async () => {
    writeFileSync(join(dir, 'W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
    writeFileSync(join(dir, '.dockerignore'), 'mine\r\n**/bin\r\n!keep.txt\r\n');
    const plan = await planDockerfile(join(dir, 'W.csproj'), { ...STATIC, stopAt: dir });
    assert.deepEqual(await writeDockerfilePlan(plan), { written: [join(dir, 'Dockerfile')], dockerignore: 'kept' });
    assert.equal(readFileSync(join(dir, '.dockerignore'), 'utf8'), 'mine\r\n**/bin\r\n!keep.txt\r\n');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    await assert.rejects(writeDockerfilePlan(plan), (e: unknown) => e instanceof ProjectError && e.code === 'exists');
    assert.equal(readFileSync(join(dir, 'Dockerfile'), 'utf8'), 'FROM scratch\n');
    assert.equal((await writeDockerfilePlan(plan, { force: true })).dockerignore, 'merged');
    assert.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), /AS final/);
    const merged = readFileSync(join(dir, '.dockerignore'), 'utf8');
    assert.ok(merged.startsWith('mine\r\n**/bin\r\n!keep.txt\r\n'));
    assert.match(merged, /\r\n\*\*\/obj\r\n/);
    assert.equal(merged.match(/\*\*\/bin/g)?.length, 1);
    assert.equal((await writeDockerfilePlan(plan, { force: true })).dockerignore, 'kept', 'nothing left to add');
  });

  it('writes through a symlinked .dockerignore and keeps its mode; refuses a read-only Dockerfile', async () => {
    writeFileSync(join(dir, 'W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'shared/ignore'), 'mine\n', { mode: 0o640 });
    chmodSync(join(dir, 'shared/ignore'), 0o640);
    symlinkSync('shared/ignore', join(dir, '.dockerignore'));
    const plan = await planDockerfile(join(dir, 'W.csproj'), { ...STATIC, stopAt: dir });
    await writeDockerfilePlan(plan, { force: true });
    assert.ok(lstatSync(join(dir, '.dockerignore')).isSymbolicLink(), 'still a link');
    assert.match(readFileSync(join(dir, 'shared/ignore'), 'utf8'), /^mine\n# Added/);
    assert.equal(statSync(join(dir, 'shared/ignore')).mode & 0o777, 0o640);
    writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\n');
    chmodSync(join(dir, 'Dockerfile'), 0o444);
    await assert.rejects(writeDockerfilePlan(plan, { force: true }), /read-only; nothing was written/);
    assert.equal(readFileSync(join(dir, 'Dockerfile'), 'utf8'), 'FROM scratch\n');
  });

  it('a reference outside the solution folder is refused, naming it and the folder that holds everything', async () => {
    mkdirSync(join(dir, 'repo/app/src/W'), { recursive: true });
    mkdirSync(join(dir, 'repo/Shared'), { recursive: true });
    writeFileSync(join(dir, 'repo/app/App.sln'), '');
    writeFileSync(join(dir, 'repo/app/src/W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0', '  <ItemGroup><ProjectReference Include="..\\..\\..\\Shared\\Shared.csproj" /></ItemGroup>\n'));
    writeFileSync(join(dir, 'repo/Shared/Shared.csproj'), csproj('Microsoft.NET.Sdk', 'net8.0'));
    await assert.rejects(planDockerfile(join(dir, 'repo/app/src/W/W.csproj'), { ...STATIC, stopAt: dir }), (e: unknown) => {
      assert.ok(e instanceof ProjectError && e.code === 'outside-context', String(e));
      assert.match(e.message, /references \.\.\/Shared\/Shared\.csproj, outside the build context .*repo\/app \(the folder of the nearest solution\)/);
      assert.equal(e.suggestedContext, join(dir, 'repo'));
      return true;
    });
    const wide = await planDockerfile(join(dir, 'repo/app/src/W/W.csproj'), { ...STATIC, stopAt: dir, context: join(dir, 'repo') });
    assert.match(wide.dockerfileText, /^# Build context: \.\.\/\.\.\/\.\. /m);
    assert.match(wide.dockerfileText, /^COPY \["Shared\/Shared\.csproj", "Shared\/"\]$/m);
  });

  it('a reference whose letter case differs from the disk is refused with file:line:col', async () => {
    mkdirSync(join(dir, 'W'), { recursive: true });
    mkdirSync(join(dir, 'Common'), { recursive: true });
    writeFileSync(join(dir, 'App.sln'), '');
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0', '  <ItemGroup>\n    <ProjectReference Include="..\\common\\Common.csproj" />\n  </ItemGroup>\n'));
    writeFileSync(join(dir, 'Common/Common.csproj'), csproj('Microsoft.NET.Sdk', 'net8.0'));
    await assert.rejects(planDockerfile(join(dir, 'W/W.csproj'), STATIC), (e: unknown) => {
      assert.ok(e instanceof ProjectError && e.code === 'reference', String(e));
      assert.equal(e.message.split(': ')[0], `${join(dir, 'W/W.csproj')}:6:23`);
      assert.match(e.message, /"\.\.\/common\/Common\.csproj" differs in letter case from the file on disk \(\.\.\/Common\/Common\.csproj\)/);
      return true;
    });
  });

  it('copies the files restore needs: Directory.* files, NuGet.config, global.json and what they import', async () => {
    mkdirSync(join(dir, 'src/W'), { recursive: true });
    mkdirSync(join(dir, 'eng'), { recursive: true });
    writeFileSync(join(dir, 'App.slnx'), '<Solution />');
    writeFileSync(join(dir, 'Directory.Build.props'), '<Project><Import Project="$(MSBuildThisFileDirectory)eng/Versions.props" /><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>');
    writeFileSync(join(dir, 'eng/Versions.props'), '<Project />');
    writeFileSync(join(dir, 'Directory.Packages.props'), '<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup></Project>');
    writeFileSync(join(dir, 'nuget.config'), '<configuration />');
    writeFileSync(join(dir, 'global.json'), '{}');
    writeFileSync(join(dir, 'src/Directory.Build.targets'), '<Project />');
    writeFileSync(join(dir, 'src/W/W.csproj'), '<Project Sdk="Microsoft.NET.Sdk.Worker" />');
    const plan = await planDockerfile(join(dir, 'src/W/W.csproj'), STATIC);
    assert.equal(plan.context, dir);
    assert.deepEqual(plan.restoreFiles, ['Directory.Build.props', 'Directory.Packages.props', 'global.json', 'nuget.config', 'eng/Versions.props', 'src/Directory.Build.targets']);
    assert.match(plan.dockerfileText, /^COPY \["eng\/Versions\.props", "eng\/"\]$/m);
    assert.equal(plan.targetFramework, 'net10.0');
  });

  it('Ship checks that the Dockerfile still fits the project: a runtime image for a worker that now needs ASP.NET Core, another .NET version', async () => {
    mkdirSync(join(dir, 'W'), { recursive: true });
    mkdirSync(join(dir, 'Defaults'), { recursive: true });
    writeFileSync(join(dir, 'App.sln'), '');
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0'));
    writeFileSync(join(dir, 'Defaults/Defaults.csproj'), csproj('Microsoft.NET.Sdk', 'net8.0', '  <ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>\n'));
    await writeDockerfilePlan(await planDockerfile(join(dir, 'W/W.csproj'), STATIC));
    assert.equal(await dockerfileMismatch(join(dir, 'W/Dockerfile'), STATIC), undefined, 'fits as written');
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net8.0', '  <ItemGroup><ProjectReference Include="../Defaults/Defaults.csproj" /></ItemGroup>\n'));
    assert.match((await dockerfileMismatch(join(dir, 'W/Dockerfile'), STATIC)) ?? '', /^Dockerfile runs on runtime:8\.0, which has no ASP\.NET Core, but Defaults references Microsoft\.AspNetCore\.App: the worker would stop at start/);
    writeFileSync(join(dir, 'W/W.csproj'), csproj('Microsoft.NET.Sdk.Worker', 'net9.0'));
    assert.match((await dockerfileMismatch(join(dir, 'W/Dockerfile'), STATIC)) ?? '', /runs on runtime:8\.0, but W\.csproj targets net9\.0: the image cannot run it/);
    writeFileSync(join(dir, 'W/Dockerfile'), 'FROM alpine\n');
    assert.equal(await dockerfileMismatch(join(dir, 'W/Dockerfile'), STATIC), undefined, 'not one of ours: not judged');
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
      assert.match(readFileSync(join(dir, 'Dockerfile'), 'utf8'), /^EXPOSE 9090$/m);
      assert.match(r.err, /^runtime:8\.0 for net8\.0: the project does not use ASP\.NET Core/m);
      assert.match(r.err, /evaluated by reading the files without MSBuild: 1 project/);
      assert.match(r.err, /^warning: runtime image: it has no ASP\.NET Core/m);
    });
    it('bad input: exit 2, a message on stderr, nothing written', async () => {
      writeFileSync(join(dir, 'Bad.csproj'), '<Project Sdk="Microsoft.NET.Sdk">\n<PropertyGroup>\n</Project>');
      const cases: Array<[string[], RegExp]> = [
        [['dockerfile'], /give one project folder/],
        [['dockerfile', join(dir, 'Bad.csproj'), '--base', 'alpine'], /--base must be aspnet or runtime/],
        [['dockerfile', join(dir, 'Bad.csproj'), '--context', join(dir, 'nope')], /no such folder/],
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
