import * as assert from 'node:assert/strict';
import { defaultHealthPort, generateDockerfile, generateDockerignore } from '../../src/core/dockerfile';
import { CsprojError, dotnetImageTag, parseCsproj } from '../../src/core/dotnet';

const csproj = (sdk: string, props: string, items = '') => `<Project Sdk="${sdk}">\n  <PropertyGroup>\n${props}\n  </PropertyGroup>\n${items}</Project>\n`;

describe('.csproj reading', () => {
  it('reads each SDK kind and decides the runtime image', () => {
    const worker = parseCsproj(csproj('Microsoft.NET.Sdk.Worker', '<TargetFramework>net8.0</TargetFramework>'), 'src/W/W.csproj');
    assert.deepEqual(worker, { sdk: 'Microsoft.NET.Sdk.Worker', sdkKind: 'worker', targetFrameworks: ['net8.0'], assemblyName: 'W', usesAspNetCore: false, aspNetCoreReason: undefined, projectReferences: [] });
    const web = parseCsproj(csproj('Microsoft.NET.Sdk.Web', '<TargetFramework>net9.0</TargetFramework>'), 'Api.csproj');
    assert.equal(web.sdkKind, 'web');
    assert.equal(web.usesAspNetCore, true);
    const fw = parseCsproj(csproj('Microsoft.NET.Sdk.Worker', '<TargetFramework>net8.0</TargetFramework>', '  <ItemGroup><FrameworkReference Include="Microsoft.AspNetCore.App" /></ItemGroup>\n'), 'W.csproj');
    assert.equal(fw.usesAspNetCore, true);
    assert.match(fw.aspNetCoreReason ?? '', /Microsoft\.AspNetCore\.App/);
    const pkg = parseCsproj(csproj('Microsoft.NET.Sdk', '<TargetFramework>net6.0</TargetFramework>', '  <ItemGroup><PackageReference Include="Microsoft.AspNetCore.Diagnostics.HealthChecks" Version="2.2.0" /></ItemGroup>\n'), 'P.csproj');
    assert.equal(pkg.sdkKind, 'plain');
    assert.equal(pkg.usesAspNetCore, true);
    const plain = parseCsproj(csproj('Microsoft.NET.Sdk', '<TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType>'), 'C.csproj');
    assert.equal(plain.usesAspNetCore, false);
  });
  it('reads multi-targeting and AssemblyName', () => {
    const m = parseCsproj(csproj('Microsoft.NET.Sdk.Worker', '<TargetFrameworks>net8.0; net9.0</TargetFrameworks><AssemblyName>Contoso.Worker</AssemblyName>'), 'W.csproj');
    assert.deepEqual(m.targetFrameworks, ['net8.0', 'net9.0']);
    assert.equal(m.assemblyName, 'Contoso.Worker');
  });
  it('reads project references with Windows separators', () => {
    const r = parseCsproj(csproj('Microsoft.NET.Sdk.Worker', '<TargetFramework>net8.0</TargetFramework>', '  <ItemGroup><ProjectReference Include="..\\Lib\\Lib.csproj" /></ItemGroup>\n'), 'W.csproj');
    assert.deepEqual(r.projectReferences, ['../Lib/Lib.csproj']);
  });
  it('reads <Sdk Name=…/> style projects', () => {
    const s = parseCsproj('<Project>\n  <Sdk Name="Microsoft.NET.Sdk.Worker" />\n  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>\n</Project>', 'W.csproj');
    assert.equal(s.sdkKind, 'worker');
  });
  it('maps net6.0 … net10.0 to image tags and refuses the rest clearly', () => {
    assert.deepEqual(['net6.0', 'net7.0', 'net8.0', 'net9.0', 'net10.0'].map(dotnetImageTag), ['6.0', '7.0', '8.0', '9.0', '10.0']);
    assert.throws(() => dotnetImageTag('netcoreapp3.1'), /not supported here/);
    assert.throws(() => dotnetImageTag('net8.0-windows'), /Linux container/);
    assert.throws(() => dotnetImageTag('net11.0'), /not a target framework this extension knows/);
  });
  it('malformed XML gives file:line:column', () => {
    assert.throws(() => parseCsproj('<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFrameworks>\n</Project>', 'src/W/W.csproj'), (err: unknown) => {
      assert.ok(err instanceof CsprojError);
      assert.match(err.message, /^src\/W\/W\.csproj:3:\d+: the project file is not valid XML: /);
      return true;
    });
  });
  it('refuses projects it cannot containerise, saying why', () => {
    assert.throws(() => parseCsproj('<Project><PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup></Project>', 'x.csproj'), /names no SDK/);
    assert.throws(() => parseCsproj(csproj('Microsoft.NET.Sdk', ''), 'x.csproj'), /no <TargetFramework>/);
    assert.throws(() => parseCsproj(csproj('Microsoft.NET.Sdk', '<TargetFramework>$(Tfm)</TargetFramework>'), 'x.csproj'), /MSBuild property/);
    assert.throws(() => parseCsproj('<Other/>', 'x.csproj'), /not <Project>/);
  });
});

describe('Dockerfile generation', () => {
  it('writes the Visual Studio multi-stage Dockerfile for the sample worker', () => {
    const text = generateDockerfile({ projectPath: 'src/SampleWorker/SampleWorker.csproj', assemblyName: 'SampleWorker', targetFramework: 'net8.0', runtimeImage: 'aspnet' });
    const lines = text.split('\n').filter((l) => l && !l.startsWith('#'));
    assert.deepEqual(lines, [
      'FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS base',
      'USER $APP_UID',
      'WORKDIR /app',
      'EXPOSE 8080',
      'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build',
      'ARG BUILD_CONFIGURATION=Release',
      'WORKDIR /src',
      'COPY ["src/SampleWorker/SampleWorker.csproj", "src/SampleWorker/"]',
      'RUN dotnet restore "./src/SampleWorker/SampleWorker.csproj"',
      'COPY . .',
      'WORKDIR "/src/src/SampleWorker"',
      'RUN dotnet build "./SampleWorker.csproj" -c $BUILD_CONFIGURATION -o /app/build',
      'FROM build AS publish',
      'ARG BUILD_CONFIGURATION=Release',
      'RUN dotnet publish "./SampleWorker.csproj" -c $BUILD_CONFIGURATION -o /app/publish /p:UseAppHost=false',
      'FROM base AS final',
      'WORKDIR /app',
      'COPY --from=publish /app/publish .',
      'ENTRYPOINT ["dotnet", "SampleWorker.dll"]',
    ]);
  });
  it('uses the runtime image, port 80 and root on .NET 6/7, and a project at the context root', () => {
    const text = generateDockerfile({ projectPath: 'W.csproj', assemblyName: 'W', targetFramework: 'net6.0', runtimeImage: 'runtime' });
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/runtime:6\.0 AS base$/m);
    assert.doesNotMatch(text, /USER/);
    assert.match(text, /^EXPOSE 80$/m);
    assert.match(text, /^COPY \["W\.csproj", "\.\/"\]$/m);
    assert.match(text, /^WORKDIR "\/src"$/m);
    assert.equal(defaultHealthPort('net7.0'), 80);
    assert.equal(defaultHealthPort('net10.0'), 8080);
  });
  it('sets the port when the health port is not the image default, and copies referenced projects', () => {
    const text = generateDockerfile({ projectPath: 'src/W/W.csproj', referencedProjects: ['src/Lib/Lib.csproj'], assemblyName: 'W', targetFramework: 'net9.0', runtimeImage: 'aspnet', healthPort: 5000 });
    assert.match(text, /^EXPOSE 5000\nENV ASPNETCORE_HTTP_PORTS=5000$/m);
    assert.match(text, /^COPY \["src\/W\/W\.csproj", "src\/W\/"\]\nCOPY \["src\/Lib\/Lib\.csproj", "src\/Lib\/"\]$/m);
  });
  it('.dockerignore leaves out build output, git and charts', () => {
    const lines = generateDockerignore().split('\n');
    for (const want of ['**/bin', '**/obj', '**/.vs', '**/.git', '**/charts']) assert.ok(lines.includes(want), want);
  });
});
