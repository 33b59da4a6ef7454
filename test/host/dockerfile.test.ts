import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { workspaceRoot } from './helpers';

/**
 * Add Dockerfile in the extension host, on files made for each test inside the sample workspace:
 * the project is evaluated by the machine's real .NET SDK (dotnet msbuild).
 */
describe('Add Dockerfile asks MSBuild (real .NET SDK)', function () {
  this.timeout(120_000);
  const dir = () => vscode.Uri.joinPath(workspaceRoot(), 'tmp-dockerfile-tests');
  const write = (rel: string, text: string) => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir(), rel), new TextEncoder().encode(text));
  const read = async (rel: string) => new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(dir(), rel)));

  before(async () => {
    // A repository shaped like the common ones: the framework in Directory.Build.props, central
    // package management, a library that needs ASP.NET Core, a .sln at the root. Saved as Visual
    // Studio does (BOM, CRLF).
    const vs = (s: string) => `\ufeff${s.replace(/\n/g, '\r\n')}`;
    await write('Repo.sln', vs('Microsoft Visual Studio Solution File, Format Version 12.00\n'));
    await write('Directory.Build.props', vs('<Project>\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n'));
    await write('Directory.Packages.props', vs('<Project>\n  <PropertyGroup>\n    <ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally>\n  </PropertyGroup>\n</Project>\n'));
    await write('src/Defaults/Defaults.csproj', vs('<Project Sdk="Microsoft.NET.Sdk">\n  <ItemGroup>\n    <FrameworkReference Include="Microsoft.AspNetCore.App" />\n  </ItemGroup>\n</Project>\n'));
    await write('src/Jobs/Jobs.csproj', vs('<Project Sdk="Microsoft.NET.Sdk.Worker">\n  <PropertyGroup>\n    <AssemblyName>$(MSBuildProjectName).Host</AssemblyName>\n  </PropertyGroup>\n  <ItemGroup>\n    <ProjectReference Include="..\\Defaults\\Defaults.csproj" />\n  </ItemGroup>\n</Project>\n'));
    // Its own Directory.Build.props (the nearest wins): the root one's TargetFramework would win over TargetFrameworks.
    await write('other/Directory.Build.props', '<Project />\n');
    await write('other/Multi/Multi.csproj', '<Project Sdk="Microsoft.NET.Sdk.Worker">\n  <PropertyGroup>\n    <TargetFrameworks>net8.0;net10.0</TargetFrameworks>\n  </PropertyGroup>\n</Project>\n');
  });
  after(async () => {
    await vscode.workspace.fs.delete(dir(), { recursive: true, useTrash: false });
  });

  it('evaluates the closure: the framework from Directory.Build.props, aspnet because of the library, the props copied before restore', async () => {
    const project = vscode.Uri.joinPath(dir(), 'src/Jobs/Jobs.csproj');
    const written = await vscode.commands.executeCommand<vscode.Uri>('aksWorker.addDockerfile', project);
    assert.equal(written?.fsPath, vscode.Uri.joinPath(dir(), 'src/Jobs/Dockerfile').fsPath);
    const text = await read('src/Jobs/Dockerfile');
    assert.match(text, /^# Runtime stage: the ASP\.NET Core runtime \(aspnet: Defaults references Microsoft\.AspNetCore\.App\)\.$/m);
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:9\.0 AS base$/m);
    assert.match(text, /^COPY \["Directory\.Build\.props", "\."\]\nCOPY \["Directory\.Packages\.props", "\."\]\nCOPY \["src\/Jobs\/Jobs\.csproj", "src\/Jobs\/"\]\nCOPY \["src\/Defaults\/Defaults\.csproj", "src\/Defaults\/"\]$/m);
    assert.match(text, /^ENTRYPOINT \["dotnet", "Jobs\.Host\.dll"\]$/m);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, written?.fsPath);
  });

  it('a framework and a base image passed by the caller skip the prompts; -f goes to build and publish', async () => {
    const project = vscode.Uri.joinPath(dir(), 'other/Multi/Multi.csproj');
    await vscode.commands.executeCommand('aksWorker.addDockerfile', project, { framework: 'net8.0', base: 'aspnet' });
    const text = await read('other/Multi/Dockerfile');
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:8\.0 AS base$/m);
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 AS build$/m, 'the SDK must restore net10.0 too');
    assert.match(text, /-c \$BUILD_CONFIGURATION -f net8\.0 -o \/app\/publish/);
    assert.match(text, /\(aspnet: chosen with --base, although nothing in the project needs ASP\.NET Core\)/);
  });
});
