import * as assert from 'node:assert/strict';
import { DotnetModelError, closureFor } from '../../src/core/dotnetModel';
import { StaticFs, decodeProjectText, nearestFramework, readModelStatically } from '../../src/core/msbuildStatic';

/** An in-memory file system: path → text (or bytes). */
function memFs(files: Record<string, string | Uint8Array>): StaticFs {
  const enc = new TextEncoder();
  return {
    read: async (p) => (p in files ? (typeof files[p] === 'string' ? enc.encode(files[p] as string) : (files[p] as Uint8Array)) : undefined),
    exists: async (p) => p in files || Object.keys(files).some((f) => f.startsWith(`${p}/`)),
  };
}

const BOM = '\ufeff';
const crlf = (s: string) => s.replace(/\n/g, '\r\n');
const worker = (props: string, items = '', sdk = 'Microsoft.NET.Sdk.Worker') => `<Project Sdk="${sdk}">\n  <PropertyGroup>\n${props}\n  </PropertyGroup>\n${items}</Project>\n`;

describe('project files read without MSBuild', () => {
  it('decodes UTF-8 with a BOM, UTF-16 LE and BE', () => {
    assert.equal(decodeProjectText(new TextEncoder().encode(`${BOM}<Project/>`)), '<Project/>');
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<Project/>', 'utf16le')]);
    assert.equal(decodeProjectText(le), '<Project/>');
    const be = Buffer.from(Buffer.from('<Project/>', 'utf16le').swap16());
    assert.equal(decodeProjectText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), '<Project/>');
  });

  it('a Visual Studio file (BOM, CRLF) and a referenced library with a BOM keep their references', async () => {
    const fs = memFs({
      '/r/src/W/W.csproj': BOM + crlf(worker('    <TargetFramework>net8.0</TargetFramework>', '  <ItemGroup>\n    <ProjectReference Include="..\\Lib\\Lib.csproj" />\n  </ItemGroup>\n')),
      '/r/src/Lib/Lib.csproj': BOM + crlf(worker('    <TargetFramework>net8.0</TargetFramework>', '  <ItemGroup><ProjectReference Include="../Core/Core.csproj" /></ItemGroup>\n', 'Microsoft.NET.Sdk')),
      '/r/src/Core/Core.csproj': BOM + crlf(worker('    <TargetFramework>netstandard2.0</TargetFramework>', '  <ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>\n', 'Microsoft.NET.Sdk')),
    });
    const m = await readModelStatically('/r/src/W/W.csproj', fs, 'test');
    assert.equal(m.source, 'static');
    assert.deepEqual(m.outer.targetFrameworks, ['net8.0']);
    const closure = closureFor(m, 'net8.0');
    assert.deepEqual(closure.map((p) => p.path), ['/r/src/W/W.csproj', '/r/src/Lib/Lib.csproj', '/r/src/Core/Core.csproj']);
    assert.equal(closure[0].projectReferences[0].name, '../Lib/Lib.csproj');
    assert.equal(closure[2].frameworkReferences[0].name, 'Microsoft.AspNetCore.App');
    assert.match(m.guesses[0], /read without MSBuild \(test\)/);
  });

  it('Directory.Build.props up the tree sets the framework; GetPathOfFileAbove chains to the parent one', async () => {
    const fs = memFs({
      '/r/Directory.Build.props': '<Project><PropertyGroup><TargetFramework>net9.0</TargetFramework><Company>C</Company></PropertyGroup></Project>',
      '/r/src/Directory.Build.props':
        "<Project><Import Project=\"$([MSBuild]::GetPathOfFileAbove('Directory.Build.props', '$(MSBuildThisFileDirectory)../'))\" /><PropertyGroup><AssemblyName>$(Company).$(MSBuildProjectName)</AssemblyName></PropertyGroup></Project>",
      '/r/src/W/W.csproj': '<Project Sdk="Microsoft.NET.Sdk.Worker"></Project>',
    });
    const m = await readModelStatically('/r/src/W/W.csproj', fs, 'test');
    assert.deepEqual(m.outer.targetFrameworks, ['net9.0']);
    assert.equal(m.outer.assemblyName, 'C.W');
    assert.deepEqual(m.outer.importedDirectoryFiles, ['/r/src/Directory.Build.props']);
  });

  it('$(MSBuildProjectName).Host, Sdk="A;B", .fsproj, and central package management', async () => {
    const fs = memFs({
      '/r/Directory.Packages.props': '<Project><PropertyGroup><ManagePackageVersionsCentrally>true</ManagePackageVersionsCentrally></PropertyGroup><ItemGroup><PackageVersion Include="Serilog.AspNetCore" Version="8.0.3" /></ItemGroup></Project>',
      '/r/W/Contoso.Worker.csproj': worker('<TargetFramework>net8.0</TargetFramework><AssemblyName>$(MSBuildProjectName).Host</AssemblyName>', '<ItemGroup><PackageReference Include="Serilog.AspNetCore" /></ItemGroup>', 'Microsoft.NET.Sdk;Microsoft.NET.Sdk.Publish'),
      '/r/F/Fw.fsproj': worker('<TargetFramework>net8.0</TargetFramework>'),
    });
    const m = await readModelStatically('/r/W/Contoso.Worker.csproj', fs, 'test');
    assert.equal(m.outer.assemblyName, 'Contoso.Worker.Host');
    assert.equal(m.outer.targetFileName, 'Contoso.Worker.Host.dll');
    assert.deepEqual(m.outer.sdks, ['Microsoft.NET.Sdk', 'Microsoft.NET.Sdk.Publish']);
    assert.equal(m.outer.centralPackageManagement, true);
    assert.deepEqual(m.outer.packageReferences.map((p) => p.name), ['Serilog.AspNetCore']);
    const f = await readModelStatically('/r/F/Fw.fsproj', fs, 'test');
    assert.equal(f.outer.language, 'F#');
    assert.equal(f.outer.outputType, 'Exe');
  });

  it('the unconditional TargetFramework wins over a later conditional one, which is named in a warning', async () => {
    const fs = memFs({
      '/r/W.csproj': worker("    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n  <PropertyGroup Condition=\"'$(Configuration)' == 'Legacy'\">\n    <TargetFramework>net6.0</TargetFramework>"),
    });
    const m = await readModelStatically('/r/W.csproj', fs, 'test');
    assert.deepEqual(m.outer.targetFrameworks, ['net8.0']);
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0], /^W\.csproj:6: a conditional <TargetFramework>net6\.0<\/TargetFramework> \(Condition="'\$\(Configuration\)' == 'Legacy'"\) was not taken for a Release build/);
  });

  it('conditions it can evaluate are applied; ones it cannot are guesses, said so', async () => {
    const fs = memFs({
      '/r/W.csproj': worker(
        "<TargetFramework Condition=\"'$(TargetFramework)' == ''\">net10.0</TargetFramework><Flag>yes</Flag>",
        "<ItemGroup Condition=\"'$(Flag)' == 'yes' and Exists('Lib/Lib.csproj')\"><ProjectReference Include=\"Lib/Lib.csproj\" /></ItemGroup>\n<ItemGroup Condition=\"$([System.OperatingSystem]::IsWindows())\"><FrameworkReference Include=\"Microsoft.WindowsDesktop.App\" /></ItemGroup>\n",
      ),
      '/r/Lib/Lib.csproj': worker('<TargetFrameworks>netstandard2.0;net8.0</TargetFrameworks>', '', 'Microsoft.NET.Sdk'),
    });
    const m = await readModelStatically('/r/W.csproj', fs, 'test');
    assert.deepEqual(m.outer.targetFrameworks, ['net10.0']);
    const closure = closureFor(m, 'net10.0');
    assert.equal(closure.length, 2);
    assert.equal(closure[1].targetFramework, 'net8.0');
    assert.deepEqual(closure[0].frameworkReferences, []);
    assert.ok(m.guesses.some((g) => /W\.csproj:\d+: skipped an <ItemGroup> whose condition could not be evaluated/.test(g)), m.guesses.join('\n'));
    assert.ok(m.guesses.some((g) => /Lib\.csproj: evaluated for net8\.0, the nearest of its frameworks/.test(g)));
  });

  it('a framework from an unknown property is a guess that says which property', async () => {
    const fs = memFs({ '/r/W.csproj': worker('<TargetFramework>$(DefaultTfm)</TargetFramework>') });
    const m = await readModelStatically('/r/W.csproj', fs, 'test');
    assert.deepEqual(m.outer.targetFrameworks, []);
    assert.ok(m.guesses.some((g) => /<TargetFramework> uses \$\(DefaultTfm\)/.test(g)));
  });

  it('Choose/When and item Remove', async () => {
    const fs = memFs({
      '/r/W.csproj': `<Project Sdk="Microsoft.NET.Sdk.Web">
  <Choose>
    <When Condition="'$(Configuration)' == 'Release'"><PropertyGroup><TargetFramework>net9.0</TargetFramework></PropertyGroup></When>
    <Otherwise><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Otherwise>
  </Choose>
  <ItemGroup><PackageReference Include="A" Version="1.0" /><PackageReference Include="B" Version="1.0" /><PackageReference Remove="A" /></ItemGroup>
</Project>`,
    });
    const m = await readModelStatically('/r/W.csproj', fs, 'test');
    assert.deepEqual(m.outer.targetFrameworks, ['net9.0']);
    assert.deepEqual(m.outer.packageReferences.map((p) => p.name), ['B']);
    assert.deepEqual(m.outer.frameworkReferences.map((f) => [f.name, f.implicit]), [['Microsoft.AspNetCore.App', true]]);
  });

  it('malformed XML gives file:line:column; not a project; no SDK', async () => {
    const bad = memFs({ '/r/W.csproj': crlf('<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFrameworks>\n</Project>') });
    await assert.rejects(readModelStatically('/r/W.csproj', bad, 'test'), (err: unknown) => {
      assert.ok(err instanceof DotnetModelError);
      assert.match(err.message, /^\/r\/W\.csproj:3:\d+: the project file is not valid XML: /);
      assert.equal(err.line, 3);
      return true;
    });
    await assert.rejects(readModelStatically('/r/W.csproj', memFs({ '/r/W.csproj': '<Other/>' }), 'test'), /not <Project>/);
    await assert.rejects(readModelStatically('/r/W.csproj', memFs({ '/r/W.csproj': '<Project><PropertyGroup /></Project>' }), 'test'), /names no SDK/);
  });

  it('nearest framework of a referenced project', () => {
    assert.equal(nearestFramework('net10.0', ['netstandard2.0', 'net8.0']), 'net8.0');
    assert.equal(nearestFramework('net8.0', ['net8.0', 'net10.0']), 'net8.0');
    assert.equal(nearestFramework('net8.0', ['net9.0', 'netstandard2.1']), 'netstandard2.1');
    assert.equal(nearestFramework('net8.0', ['net8.0-windows', 'net6.0']), 'net6.0');
    assert.equal(nearestFramework('net8.0', ['net9.0']), undefined);
  });
});
