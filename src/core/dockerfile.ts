import { dotnetImageTag } from './dotnet';

export interface DockerfileInput {
  /** The project file, relative to the build context, with forward slashes: "src/Worker/Worker.csproj". */
  projectPath: string;
  /** Other project files the project references (relative to the context), copied before restore. */
  referencedProjects?: string[];
  assemblyName: string;
  /** Target framework moniker, e.g. "net8.0". */
  targetFramework: string;
  /** "aspnet" when the worker serves its health endpoint through ASP.NET Core, else "runtime". */
  runtimeImage: 'aspnet' | 'runtime';
  /** The port the health endpoint listens on. Default: 8080 on .NET 8+, 80 before. */
  healthPort?: number;
}

const MAJOR = (tag: string) => Number(tag.split('.')[0]);

const dirOf = (p: string) => (p.includes('/') ? `${p.slice(0, p.lastIndexOf('/'))}/` : '');
const q = (s: string) => JSON.stringify(s);

/** The default health port for a .NET version: the images listen on 8080 from .NET 8, on 80 before. */
export function defaultHealthPort(targetFramework: string): number {
  return MAJOR(dotnetImageTag(targetFramework)) >= 8 ? 8080 : 80;
}

/**
 * The multi-stage Dockerfile Visual Studio writes for a .NET project: base (runtime image, non-root
 * on .NET 8+), build (restore first so that layer is cached), publish, final.
 */
export function generateDockerfile(input: DockerfileInput): string {
  const tag = dotnetImageTag(input.targetFramework);
  const port = input.healthPort ?? defaultHealthPort(input.targetFramework);
  const projectDir = dirOf(input.projectPath);
  const projectFile = input.projectPath.slice(projectDir.length);
  const copies = [input.projectPath, ...(input.referencedProjects ?? [])].map((p) => `COPY [${q(p)}, ${q(dirOf(p) || './')}]`);
  const lines = [
    '# See https://aka.ms/customizecontainer to learn how to customize your container.',
    '',
    `# Runtime stage: the ${input.runtimeImage === 'aspnet' ? 'ASP.NET Core' : '.NET'} runtime the worker runs on.`,
    `FROM mcr.microsoft.com/dotnet/${input.runtimeImage}:${tag} AS base`,
    ...(MAJOR(tag) >= 8 ? ['USER $APP_UID'] : []),
    'WORKDIR /app',
    `# The health endpoint that the liveness probe calls.`,
    `EXPOSE ${port}`,
    ...(port !== (MAJOR(tag) >= 8 ? 8080 : 80) ? [`ENV ASPNETCORE_HTTP_PORTS=${port}`] : []),
    '',
    '# Build stage: restore first, so that layer stays cached until a project file changes.',
    `FROM mcr.microsoft.com/dotnet/sdk:${tag} AS build`,
    'ARG BUILD_CONFIGURATION=Release',
    'WORKDIR /src',
    ...copies,
    `RUN dotnet restore ${q(`./${input.projectPath}`)}`,
    'COPY . .',
    `WORKDIR ${q(`/src/${projectDir}`.replace(/\/$/, '') || '/src')}`,
    `RUN dotnet build ${q(`./${projectFile}`)} -c $BUILD_CONFIGURATION -o /app/build`,
    '',
    '# Publish stage.',
    'FROM build AS publish',
    'ARG BUILD_CONFIGURATION=Release',
    `RUN dotnet publish ${q(`./${projectFile}`)} -c $BUILD_CONFIGURATION -o /app/publish /p:UseAppHost=false`,
    '',
    '# Final stage: the runtime image with the published worker.',
    'FROM base AS final',
    'WORKDIR /app',
    'COPY --from=publish /app/publish .',
    `ENTRYPOINT ["dotnet", ${q(`${input.assemblyName}.dll`)}]`,
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
