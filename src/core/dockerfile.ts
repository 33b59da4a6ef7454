import { dotnetImageTag } from './dotnet';

export interface DockerfileInput {
  /** The project file, relative to the build context, with forward slashes: "src/Worker/Worker.csproj". */
  projectPath: string;
  /** Other project files the project references (relative to the context), copied before restore. */
  referencedProjects?: string[];
  /**
   * Files restore needs besides the projects (relative to the context): Directory.Build.props/.targets,
   * Directory.Packages.props, NuGet.config, global.json and what they import. Copied before restore.
   */
  restoreFiles?: string[];
  assemblyName: string;
  /** The file the build writes, when it is not "<assemblyName>.dll". */
  entryDll?: string;
  /** Target framework moniker, e.g. "net8.0". */
  targetFramework: string;
  /** True when the project targets several frameworks: build and publish then name this one (-f). */
  multiTarget?: boolean;
  /** The SDK image tag when it must be newer than the runtime's (a closure that also targets a newer .NET). */
  sdkTag?: string;
  /** "aspnet" when the worker serves its health endpoint through ASP.NET Core, else "runtime". */
  runtimeImage: 'aspnet' | 'runtime';
  /** Why that image, for the comment above FROM. */
  runtimeReason?: string;
  /** The port the health endpoint listens on. Default: 8080 on .NET 8+, 80 before. */
  healthPort?: number;
  /** The build context relative to the Dockerfile's folder, recorded when it is not the usual one. */
  context?: string;
}

const MAJOR = (tag: string) => Number(tag.split('.')[0]);

const dirOf = (p: string) => (p.includes('/') ? `${p.slice(0, p.lastIndexOf('/'))}/` : '');
const q = (s: string) => JSON.stringify(s);

/** The default health port for a .NET version: the images listen on 8080 from .NET 8, on 80 before. */
export function defaultHealthPort(targetFramework: string): number {
  return MAJOR(dotnetImageTag(targetFramework)) >= 8 ? 8080 : 80;
}

/** The marker line that records a build context other than the solution's folder. */
export const CONTEXT_MARKER = '# Build context:';

/** The build context a Dockerfile records (relative to its folder), if it records one. */
export function recordedContext(dockerfileText: string): string | undefined {
  const line = dockerfileText.split(/\r?\n/).find((l) => l.startsWith(CONTEXT_MARKER));
  const m = line ? /^# Build context:\s*(\S+)/.exec(line) : null;
  return m ? m[1] : undefined;
}

/** What a Dockerfile's base stage uses, for display: "aspnet", "8.0" and the reason comment if any. */
export function describeBaseStage(dockerfileText: string): { image: string; tag: string; reason?: string; port?: number } | undefined {
  const lines = dockerfileText.split(/\r?\n/);
  const i = lines.findIndex((l) => /^FROM\s+\S*mcr\.microsoft\.com\/dotnet\/(aspnet|runtime|runtime-deps):(\S+)\s+AS\s+base\s*$/i.test(l));
  if (i < 0) return undefined;
  const m = /dotnet\/(aspnet|runtime|runtime-deps):(\S+)/i.exec(lines[i]) as RegExpExecArray;
  const comment = lines[i - 1]?.startsWith('#') ? /\((aspnet|runtime): (.*)\)\.?$/.exec(lines[i - 1]) : null;
  const expose = lines.slice(i).find((l) => /^EXPOSE\s+\d+/i.test(l));
  const port = expose ? Number(/^EXPOSE\s+(\d+)/i.exec(expose)?.[1]) : undefined;
  return { image: m[1].toLowerCase(), tag: m[2], reason: comment ? comment[2] : undefined, ...(port ? { port } : {}) };
}

/**
 * The multi-stage Dockerfile Visual Studio writes for a .NET project: base (runtime image, non-root
 * on .NET 8+), build (the files restore needs first, so that layer is cached), publish, final.
 */
export function generateDockerfile(input: DockerfileInput): string {
  const tag = dotnetImageTag(input.targetFramework);
  const major = MAJOR(tag);
  const imageDefault = major >= 8 ? 8080 : 80;
  const port = input.healthPort ?? imageDefault;
  const projectDir = dirOf(input.projectPath);
  const projectFile = input.projectPath.slice(projectDir.length);
  const copy = (p: string) => `COPY [${q(p)}, ${q(dirOf(p) || '.')}]`;
  const projectCopies = [input.projectPath, ...(input.referencedProjects ?? [])].map((p) => `COPY [${q(p)}, ${q(dirOf(p) || './')}]`);
  const framework = input.multiTarget ? ` -f ${input.targetFramework}` : '';
  const aspnet = input.runtimeImage === 'aspnet';
  const reason = input.runtimeReason ? ` (${input.runtimeReason.replace(/\s+/g, ' ')})` : '';
  const portEnv = port === imageDefault ? [] : major >= 8 ? [`ENV ASPNETCORE_HTTP_PORTS=${port}`] : [`ENV ASPNETCORE_URLS=http://+:${port}`];
  const lines = [
    '# See https://aka.ms/customizecontainer to learn how to customize your container.',
    ...(input.context ? [`${CONTEXT_MARKER} ${input.context} (build with: docker build -f <this Dockerfile> ${input.context})`] : []),
    '',
    `# Runtime stage: ${aspnet ? 'the ASP.NET Core runtime' : 'the .NET runtime, without ASP.NET Core'}${reason}.`,
    `FROM mcr.microsoft.com/dotnet/${input.runtimeImage}:${tag} AS base`,
    ...(major >= 8 ? ['USER $APP_UID'] : []),
    'WORKDIR /app',
    ...(aspnet
      ? ['# The health endpoint that the liveness probe calls.']
      : ['# The health endpoint that the liveness probe calls. This image has no ASP.NET Core: serve it with', '# HttpListener, or probe the worker with tcpSocket or exec instead of httpGet.']),
    `EXPOSE ${port}`,
    ...(aspnet ? portEnv : []),
    '',
    '# Build stage: restore first, so that layer stays cached until a project file changes.',
    `FROM mcr.microsoft.com/dotnet/sdk:${input.sdkTag ?? tag} AS build`,
    'ARG BUILD_CONFIGURATION=Release',
    'WORKDIR /src',
    ...(input.restoreFiles ?? []).map(copy),
    ...projectCopies,
    `RUN dotnet restore ${q(`./${input.projectPath}`)}`,
    'COPY . .',
    `WORKDIR ${q(`/src/${projectDir}`.replace(/\/$/, '') || '/src')}`,
    `RUN dotnet build ${q(`./${projectFile}`)} -c $BUILD_CONFIGURATION${framework} -o /app/build`,
    '',
    '# Publish stage.',
    'FROM build AS publish',
    'ARG BUILD_CONFIGURATION=Release',
    `RUN dotnet publish ${q(`./${projectFile}`)} -c $BUILD_CONFIGURATION${framework} -o /app/publish /p:UseAppHost=false`,
    '',
    '# Final stage: the runtime image with the published worker.',
    'FROM base AS final',
    'WORKDIR /app',
    'COPY --from=publish /app/publish .',
    `ENTRYPOINT ["dotnet", ${q(input.entryDll ?? `${input.assemblyName}.dll`)}]`,
    '',
  ];
  return lines.join('\n');
}

/** What the build context should leave out: build output, IDE state, git, charts, secrets. */
export function generateDockerignore(): string {
  return [
    '**/.classpath',
    '**/.dockerignore',
    '**/.env',
    '**/.git',
    '**/.gitignore',
    '**/.project',
    '**/.settings',
    '**/.toolstarget',
    '**/.vs',
    '**/.vscode',
    '**/*.*proj.user',
    '**/*.dbmdl',
    '**/*.jfm',
    '**/bin',
    '**/obj',
    '**/charts',
    '**/docker-compose*',
    '**/compose*',
    '**/Dockerfile*',
    '**/node_modules',
    '**/npm-debug.log',
    '**/secrets.dev.yaml',
    '**/values.dev.yaml',
    'LICENSE',
    'README.md',
    '!**/.gitignore',
    '!.git/HEAD',
    '!.git/config',
    '!.git/packed-refs',
    '!.git/refs/heads/**',
    '',
  ].join('\n');
}

/**
 * Our .dockerignore merged into one that exists: the user's text stays byte for byte, and only our
 * exclusions that it lacks are appended (never our "!" re-inclusions, which could undo theirs).
 * Returns undefined when nothing is missing.
 */
export function mergeDockerignore(existing: string, ours: string = generateDockerignore()): string | undefined {
  const eol = existing.includes('\r\n') ? '\r\n' : '\n';
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
  const missing = ours
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('!') && !have.has(l));
  if (missing.length === 0) return undefined;
  const sep = existing.length === 0 || existing.endsWith('\n') ? '' : eol;
  return `${existing}${sep}# Added by AKS Worker Deploy (Add Dockerfile): build output, IDE state, secrets${eol}${missing.join(eol)}${eol}`;
}
