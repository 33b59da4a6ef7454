import * as assert from 'node:assert/strict';
import { DotnetModelError, ProjectFacts, ProjectModel, chooseTargetFramework, decideBaseImage, readAssets } from '../../src/core/dotnetModel';
import { modelFromTargetResult, parseMsbuildError } from '../../src/tools/msbuild';

const facts = (path: string, over: Partial<ProjectFacts> = {}): ProjectFacts => ({
  path,
  targetFramework: 'net8.0',
  targetFrameworks: ['net8.0'],
  assemblyName: path.split('/').pop()?.replace(/\.csproj$/, '') ?? '',
  targetFileName: '',
  outputType: 'Exe',
  language: 'C#',
  sdks: ['Microsoft.NET.Sdk.Worker'],
  frameworkReferences: [{ name: 'Microsoft.NETCore.App', definedIn: 'sdk', implicit: true }],
  packageReferences: [],
  projectReferences: [],
  centralPackageManagement: false,
  importedDirectoryFiles: [],
  ...over,
});

/** A project.assets.json as NuGet writes it, reduced to what is read. */
const assetsJson = {
  version: 3,
  targets: {
    'net8.0': {
      'Serilog.AspNetCore/8.0.3': { type: 'package', dependencies: { 'Serilog.Extensions.Hosting': '8.0.0' }, frameworkReferences: ['Microsoft.AspNetCore.App'] },
      'Serilog.Extensions.Hosting/8.0.0': { type: 'package' },
      'Contoso.Telemetry/1.2.0': { type: 'package', dependencies: { 'Serilog.AspNetCore': '8.0.3' } },
      'Lib/1.0.0': { type: 'project', framework: '.NETCoreApp,Version=v8.0' },
    },
  },
  project: { frameworks: { 'net8.0': { targetAlias: 'net8.0', dependencies: { 'Contoso.Telemetry': { target: 'Package', version: '[1.2.0, )' } } } } },
};

describe('the runtime image, decided over the closure', () => {
  it('runtime when nothing needs ASP.NET Core, saying what was checked', () => {
    const d = decideBaseImage([facts('/r/W.csproj'), facts('/r/Lib.csproj', { sdks: ['Microsoft.NET.Sdk'] })], [{ file: 'a', packageCount: 12, aspNetPackages: [] }]);
    assert.equal(d.image, 'runtime');
    assert.equal(d.reason, 'runtime: none of the 2 projects uses ASP.NET Core; its 12 restored packages checked');
    assert.equal(d.guessed, false);
  });
  it('a library of the closure with the framework reference, or the Web SDK, makes it aspnet and says which', () => {
    const lib = facts('/r/ServiceDefaults/ServiceDefaults.csproj', { frameworkReferences: [{ name: 'Microsoft.AspNetCore.App', definedIn: '/r/ServiceDefaults/ServiceDefaults.csproj' }] });
    assert.equal(decideBaseImage([facts('/r/W.csproj'), lib], []).reason, 'aspnet: ServiceDefaults references Microsoft.AspNetCore.App');
    const fromProps = facts('/r/W.csproj', { frameworkReferences: [{ name: 'Microsoft.AspNetCore.App', definedIn: '/r/Directory.Build.props' }] });
    assert.equal(decideBaseImage([fromProps], []).reason, 'aspnet: W references Microsoft.AspNetCore.App (in Directory.Build.props)');
    const web = facts('/r/Api.csproj', { sdks: ['Microsoft.NET.Sdk.Web'], frameworkReferences: [{ name: 'Microsoft.AspNetCore.App', definedIn: 'sdk', implicit: true }] });
    assert.equal(decideBaseImage([web], []).reason, 'aspnet: Api uses Microsoft.NET.Sdk.Web');
  });
  it('a package that brings ASP.NET Core in, from the restore output, with the package that pulls it', () => {
    const a = readAssets('/r/obj/project.assets.json', assetsJson, 'net8.0');
    assert.ok(a);
    assert.equal(a.packageCount, 3);
    assert.deepEqual(a.aspNetPackages, [{ name: 'Serilog.AspNetCore', version: '8.0.3', via: 'Contoso.Telemetry' }]);
    const d = decideBaseImage([facts('/r/W.csproj')], [a]);
    assert.equal(d.reason, 'aspnet: package Serilog.AspNetCore 8.0.3 (through Contoso.Telemetry) needs Microsoft.AspNetCore.App');
    assert.equal(readAssets('x', assetsJson, 'net9.0'), undefined);
    assert.equal(readAssets('x', { nothing: 1 }, 'net8.0'), undefined);
  });
  it('without a restore, package names are a guess that says so', () => {
    const d = decideBaseImage([facts('/r/W.csproj', { packageReferences: [{ name: 'Swashbuckle.AspNetCore', definedIn: '/r/W.csproj', version: '6.5.0' }] })], [undefined]);
    assert.equal(d.image, 'aspnet');
    assert.equal(d.guessed, true);
    assert.match(d.reason, /guessed from its name, as the project is not restored/);
    const none = decideBaseImage([facts('/r/W.csproj', { packageReferences: [{ name: 'Microsoft.Extensions.Hosting', definedIn: '/r/W.csproj' }] })], []);
    assert.equal(none.image, 'runtime');
    assert.match(none.reason, /checked by name only/);
  });
  it('--base overrides, and says when it goes against the project', () => {
    const lib = facts('/r/L.csproj', { frameworkReferences: [{ name: 'Microsoft.AspNetCore.App', definedIn: '/r/L.csproj' }] });
    assert.equal(decideBaseImage([lib], [], 'runtime').reason, 'runtime: chosen with --base, although L references Microsoft.AspNetCore.App');
    assert.equal(decideBaseImage([facts('/r/W.csproj')], [], 'aspnet').reason, 'aspnet: chosen with --base, although nothing in the project needs ASP.NET Core');
  });
});

describe('the target framework to containerise', () => {
  const model = (tfms: string[]): ProjectModel => ({ source: 'msbuild', root: '/r/W.csproj', outer: facts('/r/W.csproj', { targetFrameworks: tfms, targetFramework: '' }), closures: {}, guesses: [], warnings: [] });
  it('the only one, the one asked for (any case), or an error that lists them', () => {
    assert.equal(chooseTargetFramework(model(['net8.0'])), 'net8.0');
    assert.equal(chooseTargetFramework(model(['net8.0', 'net10.0']), 'NET10.0'), 'net10.0');
    assert.throws(() => chooseTargetFramework(model(['net8.0', 'net10.0'])), (e: unknown) => e instanceof DotnetModelError && e.code === 'framework' && /several frameworks \(net8\.0, net10\.0\).*--framework net8\.0/.test(e.message));
    assert.throws(() => chooseTargetFramework(model(['net8.0']), 'net9.0'), /not among the project's target frameworks \(net8\.0\)/);
    assert.throws(() => chooseTargetFramework(model([])), /sets no TargetFramework/);
  });
});

describe('MSBuild answers', () => {
  it('error lines become file:line:col messages', () => {
    assert.deepEqual(parseMsbuildError("/r/W.csproj(3,3): error MSB4025: The project file could not be loaded. The 'PropertyGroup' start tag on line 2 position 3 does not match the end tag of 'Project'. Line 3, position 3.\nBuild failed."), {
      file: '/r/W.csproj',
      line: 3,
      column: 3,
      message: "MSB4025: The project file could not be loaded. The 'PropertyGroup' start tag on line 2 position 3 does not match the end tag of 'Project'. Line 3, position 3.",
    });
    assert.deepEqual(parseMsbuildError('/r/W.csproj : error MSB4236: The SDK \'Microsoft.NET.Sdk.Nope\' specified could not be found. [/r/W.csproj]'), {
      file: '/r/W.csproj',
      line: undefined,
      column: undefined,
      message: "MSB4236: The SDK 'Microsoft.NET.Sdk.Nope' specified could not be found.",
    });
  });
  it('the target result of a multi-targeting worker becomes one closure per framework', () => {
    // The shape `dotnet msbuild -getTargetResult:_AksWorkerDescribe` prints (SDK 10.0.401), trimmed.
    const item = (o: Record<string, string>) => ({ RootTargetFramework: '', ...o });
    const json = {
      TargetResults: {
        _AksWorkerDescribe: {
          Result: 'Success',
          Items: [
            item({ Identity: '/r/W/W.csproj', Kind: 'Project', RootTargetFramework: 'net8.0', TargetFramework: 'net8.0', TargetFrameworks: 'net8.0;net10.0', AssemblyName: 'W.Host', TargetFileName: 'W.Host.dll', SdkWorker: 'true', SdkVersion: '10.0.401', ProjectAssetsFile: '/r/W/obj/project.assets.json' }),
            item({ Identity: '../L1/L1.csproj', Kind: 'ProjectReference', Owner: '/r/W/W.csproj', OwnerTargetFramework: 'net8.0', RootTargetFramework: 'net8.0', DefinedIn: '/r/W/W.csproj', ReferenceFullPath: '/r/L1/L1.csproj' }),
            item({ Identity: '/r/L1/L1.csproj', Kind: 'Project', RootTargetFramework: 'net8.0', TargetFramework: 'net8.0', TargetFrameworks: 'netstandard2.0;net8.0', AssemblyName: 'L1', TargetFileName: 'L1.dll', SdkNet: 'true' }),
            item({ Identity: 'Microsoft.AspNetCore.App', Kind: 'FrameworkReference', Owner: '/r/L1/L1.csproj', OwnerTargetFramework: 'net8.0', RootTargetFramework: 'net8.0', DefinedIn: '/r/L1/L1.csproj' }),
            item({ Identity: '/r/W/W.csproj', Kind: 'Project', RootTargetFramework: 'net10.0', TargetFramework: 'net10.0', TargetFrameworks: 'net8.0;net10.0', AssemblyName: 'W.Host', TargetFileName: 'W.Host.dll', SdkWorker: 'true' }),
            item({ Identity: 'Microsoft.Extensions.Hosting', Kind: 'PackageReference', Version: '8.0.1', Owner: '/r/W/W.csproj', OwnerTargetFramework: 'net10.0', RootTargetFramework: 'net10.0', DefinedIn: '/r/W/W.csproj' }),
            item({ Identity: '/r/W/W.csproj', Kind: 'Project', Outer: 'true', TargetFrameworks: 'net8.0;net10.0', AssemblyName: 'W.Host' }),
          ],
        },
      },
    };
    const m = modelFromTargetResult('/r/W/W.csproj', json);
    assert.equal(m.source, 'msbuild');
    assert.equal(m.sdkVersion, '10.0.401');
    assert.deepEqual(m.outer.targetFrameworks, ['net8.0', 'net10.0']);
    assert.deepEqual(Object.keys(m.closures).sort(), ['net10.0', 'net8.0']);
    assert.deepEqual(m.closures['net8.0'].map((p) => p.path), ['/r/W/W.csproj', '/r/L1/L1.csproj']);
    assert.equal(m.closures['net8.0'][0].projectReferences[0].fullPath, '/r/L1/L1.csproj');
    assert.equal(m.closures['net8.0'][1].frameworkReferences[0].name, 'Microsoft.AspNetCore.App');
    assert.deepEqual(m.closures['net8.0'][0].sdks, ['Microsoft.NET.Sdk.Worker']);
    assert.deepEqual(m.closures['net10.0'][0].packageReferences, [{ name: 'Microsoft.Extensions.Hosting', definedIn: '/r/W/W.csproj', implicit: undefined, version: '8.0.1' }]);
    assert.throws(() => modelFromTargetResult('/r/W.csproj', { TargetResults: { _AksWorkerDescribe: { Result: 'Failure' } } }), /did not describe/);
  });
});
