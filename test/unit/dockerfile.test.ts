import * as assert from 'node:assert/strict';
import { defaultHealthPort, describeBaseStage, generateDockerfile, generateDockerignore, mergeDockerignore, recordedContext } from '../../src/core/dockerfile';
import { dotnetImageTag, sdkImageTag } from '../../src/core/dotnet';

describe('.NET image tags', () => {
  it('maps net6.0 … net10.0 to image tags and refuses the rest clearly', () => {
    assert.deepEqual(['net6.0', 'net7.0', 'net8.0', 'net9.0', 'net10.0'].map(dotnetImageTag), ['6.0', '7.0', '8.0', '9.0', '10.0']);
    assert.throws(() => dotnetImageTag('netcoreapp3.1'), /not supported here/);
    assert.throws(() => dotnetImageTag('net8.0-windows'), /Linux container/);
    assert.throws(() => dotnetImageTag('net11.0'), /not a target framework this extension knows/);
  });
  it('the SDK image can restore every framework of the closure', () => {
    assert.equal(sdkImageTag('net8.0', ['net8.0', 'netstandard2.0']), '8.0');
    assert.equal(sdkImageTag('net8.0', ['net8.0', 'net10.0']), '10.0');
    assert.equal(sdkImageTag('net9.0', ['net6.0']), '9.0');
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
  it('.NET 6/7 set ASPNETCORE_URLS for another port, .NET 8+ ASPNETCORE_HTTP_PORTS; a runtime image sets neither', () => {
    const six = generateDockerfile({ projectPath: 'W.csproj', assemblyName: 'W', targetFramework: 'net6.0', runtimeImage: 'aspnet', healthPort: 8080 });
    assert.match(six, /^EXPOSE 8080\nENV ASPNETCORE_URLS=http:\/\/\+:8080$/m);
    assert.doesNotMatch(six, /ASPNETCORE_HTTP_PORTS/);
    const seven = generateDockerfile({ projectPath: 'W.csproj', assemblyName: 'W', targetFramework: 'net7.0', runtimeImage: 'aspnet' });
    assert.doesNotMatch(seven, /ENV ASPNETCORE/);
    const runtime = generateDockerfile({ projectPath: 'W.csproj', assemblyName: 'W', targetFramework: 'net8.0', runtimeImage: 'runtime', healthPort: 9090 });
    assert.doesNotMatch(runtime, /ENV ASPNETCORE/);
    assert.match(runtime, /no ASP\.NET Core: serve it with\n# HttpListener, or probe the worker with tcpSocket or exec/);
  });
  it('multi-targeting: build and publish name the framework; restore files are copied before restore', () => {
    const text = generateDockerfile({
      projectPath: 'src/W/W.csproj',
      restoreFiles: ['Directory.Build.props', 'Directory.Packages.props', 'NuGet.config', 'src/Directory.Build.props'],
      assemblyName: 'W',
      entryDll: 'W.Host.dll',
      targetFramework: 'net8.0',
      multiTarget: true,
      sdkTag: '10.0',
      runtimeImage: 'runtime',
    });
    assert.match(text, /^WORKDIR \/src\nCOPY \["Directory\.Build\.props", "\."\]\nCOPY \["Directory\.Packages\.props", "\."\]\nCOPY \["NuGet\.config", "\."\]\nCOPY \["src\/Directory\.Build\.props", "src\/"\]\nCOPY \["src\/W\/W\.csproj", "src\/W\/"\]\nRUN dotnet restore/m);
    assert.match(text, /^RUN dotnet build "\.\/W\.csproj" -c \$BUILD_CONFIGURATION -f net8\.0 -o \/app\/build$/m);
    assert.match(text, /^RUN dotnet publish "\.\/W\.csproj" -c \$BUILD_CONFIGURATION -f net8\.0 -o \/app\/publish \/p:UseAppHost=false$/m);
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 AS build$/m);
    assert.match(text, /^FROM mcr\.microsoft\.com\/dotnet\/runtime:8\.0 AS base$/m);
    assert.match(text, /^ENTRYPOINT \["dotnet", "W\.Host\.dll"\]$/m);
  });
  it('records a build context other than the usual one, and reads it and the base stage back', () => {
    const text = generateDockerfile({ projectPath: 'services/B/src/W/W.csproj', assemblyName: 'W', targetFramework: 'net8.0', runtimeImage: 'aspnet', runtimeReason: 'aspnet: Lib references Microsoft.AspNetCore.App', context: '../../../..' });
    assert.equal(recordedContext(text), '../../../..');
    assert.equal(recordedContext(text.replace(/\n/g, '\r\n')), '../../../..');
    assert.deepEqual(describeBaseStage(text), { image: 'aspnet', tag: '8.0', reason: 'Lib references Microsoft.AspNetCore.App', port: 8080 });
    assert.equal(recordedContext(generateDockerfile({ projectPath: 'W.csproj', assemblyName: 'W', targetFramework: 'net8.0', runtimeImage: 'aspnet' })), undefined);
    assert.deepEqual(describeBaseStage('FROM mcr.microsoft.com/dotnet/runtime:9.0 AS base\n'), { image: 'runtime', tag: '9.0', reason: undefined });
    assert.equal(describeBaseStage('FROM alpine\n'), undefined);
  });
  it('merging .dockerignore keeps every user line and its line endings, adds only missing exclusions', () => {
    const mine = '# mine\r\n**/*.local.json\r\n**/bin\r\n!keep-me.txt\r\n';
    const merged = mergeDockerignore(mine) as string;
    assert.ok(merged.startsWith(mine), 'the user text is kept byte for byte at the start');
    const added = merged.slice(mine.length).split('\r\n').filter(Boolean);
    assert.match(added[0], /^# Added by AKS Worker Deploy/);
    assert.ok(added.includes('**/obj'));
    assert.ok(!added.includes('**/bin'), 'no duplicate of a line the user has');
    assert.ok(!added.some((l) => l.startsWith('!')), 'never re-includes what the user excluded');
    assert.ok(!merged.slice(mine.length).includes('\n') || !/[^\r]\n/.test(merged.slice(mine.length)), 'CRLF kept');
    assert.equal(mergeDockerignore(merged), undefined, 'nothing missing the second time');
    assert.match(mergeDockerignore('mine') as string, /^mine\n# Added/);
  });
});
