import { BuildArgsSource, checkBuildArgs } from '../core/buildArgs';
import { BuildState, applyBuildLine, buildFailure, newBuildState } from '../core/dockerBuild';
import { PushState, applyPushLine, newPushState, summarizePush } from '../core/dockerPush';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ActionableError, ToolExitError, ToolTimeoutError } from './errors';
import { LineSink, RunOptions, runTool } from './process';

export interface DockerOptions {
  paths?: ToolPaths;
  /** Extra environment, e.g. DOCKER_HOST or DOCKER_CONFIG. */
  env?: Record<string, string | undefined>;
  sink?: LineSink;
  signal?: AbortSignal;
}

const run = (o: DockerOptions, args: string[], extra: RunOptions = {}) =>
  runTool(TOOLS.docker, toolFile('docker', o.paths), args, { env: o.env, sink: o.sink, signal: o.signal, ...extra });

/** Turns docker's error text into what the user should do. Other errors pass through. */
export function mapDockerError(err: unknown, context: { registry?: string; image?: string } = {}): unknown {
  if (!(err instanceof ToolExitError)) return err;
  const text = err.stderrTail;
  if (/Cannot connect to the Docker daemon|error during connect|docker daemon is not running|dial unix .*docker\.sock/i.test(text)) {
    return new ActionableError('docker', 'engine-not-running', 'The Docker engine is not running or not reachable. Start Docker Desktop (or the docker service), or check DOCKER_HOST, then try again.', err);
  }
  if (/no basic auth credentials/i.test(text)) {
    return new ActionableError('docker', 'registry-unauthorized', `Not logged in to ${context.registry ?? 'the registry'} (401). Push from AKS Worker, which logs in for you, or run "docker login" for that registry.`, err);
  }
  if (/unauthorized|authentication required|denied: |requested access to the resource is denied|incorrect username or password|401 Unauthorized/i.test(text)) {
    const where = context.registry ? ` to ${context.registry}` : '';
    return new ActionableError('docker', 'registry-unauthorized', `The registry refused the credentials${where} (401). For ACR, log in again (tokens last 3 hours) and check that your account has the AcrPush role; for other registries, check the user name and password. Details: ${lastLine(text)}`, err);
  }
  if (/no such host|server misbehaving|connection refused|i\/o timeout|dial tcp|TLS handshake timeout/i.test(text)) {
    return new ActionableError('docker', 'registry-unreachable', `The registry${context.registry ? ` ${context.registry}` : ''} could not be reached: check its name and your network. Details: ${lastLine(text)}`, err);
  }
  if (/An image does not exist locally with the tag|No such image|reference does not exist/i.test(text)) {
    return new ActionableError('docker', 'image-not-found', `The image${context.image ? ` ${context.image}` : ''} does not exist locally: build it first.`, err);
  }
  return err;
}

const lastLine = (text: string) => text.trim().split('\n').pop() ?? '';

export interface BuildRequest {
  /** Absolute path of the Dockerfile. */
  dockerfile: string;
  /** Absolute path of the build context. */
  context: string;
  /** Full references to tag the result with. */
  tags: string[];
  /** Extra arguments from settings, e.g. ["--platform", "linux/amd64"]: only the allowed options (core/buildArgs). */
  extraArgs?: readonly unknown[];
  /** Where extraArgs come from, for the message when one is refused. */
  extraArgsSource?: BuildArgsSource;
  /** Called after each output line with the build's state so far. */
  onProgress?: (state: BuildState) => void;
}

export interface BuildResult {
  imageId?: string;
  state: BuildState;
  durationMs: number;
}

/** `docker build -f … -t … [extra] context`, BuildKit or legacy, with plain progress lines. */
export async function buildImage(req: BuildRequest, o: DockerOptions = {}): Promise<BuildResult> {
  const state = newBuildState();
  const onLine = (line: string) => {
    applyBuildLine(state, line);
    req.onProgress?.(state);
  };
  // Refused before anything runs: an option that would read or write host files never reaches docker.
  const extra = checkBuildArgs(req.extraArgs ?? [], req.extraArgsSource ?? { setting: 'the extra docker build arguments' });
  const args = ['build', '-f', req.dockerfile, ...req.tags.flatMap((t) => ['-t', t]), ...extra, '--', req.context];
  try {
    // BUILDKIT_PROGRESS=plain gives line output from BuildKit; the legacy builder ignores it.
    const r = await run({ ...o, env: { BUILDKIT_PROGRESS: 'plain', ...o.env } }, args, { onStdoutLine: onLine, onStderrLine: onLine });
    return { imageId: state.imageId, state, durationMs: r.durationMs };
  } catch (err) {
    const mapped = mapDockerError(err);
    if (mapped !== err) throw mapped;
    if (err instanceof ToolExitError) {
      throw new ActionableError('docker', 'build-failed', `docker build: ${buildFailure(state, err.stderrTail)}`, err);
    }
    throw err;
  }
}

export interface ImageDetails {
  id: string;
  /** Bytes. */
  size: number;
  os?: string;
  architecture?: string;
  repoTags: string[];
  repoDigests: string[];
  created?: string;
}

export async function inspectImage(ref: string, o: DockerOptions = {}): Promise<ImageDetails> {
  try {
    const r = await run(o, ['image', 'inspect', '--format', '{{json .}}', '--', ref], { logCommand: false });
    const j = JSON.parse(r.stdout) as { Id: string; Size: number; Os?: string; Architecture?: string; RepoTags?: string[]; RepoDigests?: string[]; Created?: string };
    return { id: j.Id, size: j.Size, os: j.Os, architecture: j.Architecture, repoTags: j.RepoTags ?? [], repoDigests: j.RepoDigests ?? [], created: j.Created };
  } catch (err) {
    throw mapDockerError(err, { image: ref });
  }
}

export async function tagImage(source: string, target: string, o: DockerOptions = {}): Promise<void> {
  try {
    await run(o, ['tag', '--', source, target]);
  } catch (err) {
    throw mapDockerError(err, { image: source });
  }
}

/** `docker login -u USER --password-stdin -- SERVER`: the password goes through stdin only. */
export async function login(server: string, username: string, password: string, o: DockerOptions = {}): Promise<void> {
  try {
    await run(o, ['login', '--username', username, '--password-stdin', '--', server], { stdin: password, secrets: [password], timeoutMs: 60_000 });
  } catch (err) {
    throw mapDockerError(err, { registry: server });
  }
}

export interface PushResult {
  digest?: string;
  uploaded: number;
  reused: number;
  state: PushState;
  durationMs: number;
}

/** `docker push REF`, reporting each layer's progress. */
export async function pushImage(ref: string, o: DockerOptions & { onProgress?: (state: PushState) => void } = {}): Promise<PushResult> {
  const state = newPushState();
  const onLine = (line: string) => {
    applyPushLine(state, line);
    o.onProgress?.(state);
  };
  const registry = ref.includes('/') ? ref.split('/')[0] : undefined;
  try {
    const r = await run(o, ['push', '--', ref], { onStdoutLine: onLine, onStderrLine: onLine });
    const s = summarizePush(state);
    return { digest: state.digest, uploaded: s.uploaded, reused: s.reused, state, durationMs: r.durationMs };
  } catch (err) {
    throw mapDockerError(err, { registry, image: ref });
  }
}

// ---- containers (preflight) ---------------------------------------------------------------------

export interface RunContainerRequest {
  image: string;
  name: string;
  labels?: Record<string, string>;
  /** A docker network; default: the engine's default. */
  network?: string;
  /**
   * Environment variables. Only their names are on the command line (`-e NAME`): docker reads each
   * value from its own environment, so no value is ever logged.
   */
  env?: ReadonlyArray<readonly [string, string]>;
  /** Kubernetes' `command` (replaces the image's ENTRYPOINT and CMD) and `args` (replace CMD). */
  command?: readonly string[];
  args?: readonly string[];
  /** Bytes (memory = swap, as on a node). */
  memoryBytes?: number;
  /** Container ports to publish on 127.0.0.1 (a free host port each). */
  publish?: readonly number[];
  /** The user to run as (Kubernetes' runAsUser). */
  user?: string;
  /** A file of NAME=value lines (docker's --env-file), read by docker. */
  envFile?: string;
}

/** The `docker run -d` arguments of a request. Values of env stay out of them (see `env`). */
export function runContainerArgs(req: RunContainerRequest): string[] {
  const args = ['run', '--detach', '--name', req.name];
  for (const [k, v] of Object.entries(req.labels ?? {})) args.push('--label', `${k}=${v}`);
  if (req.network) args.push('--network', req.network);
  if (req.envFile) args.push('--env-file', req.envFile);
  for (const [k] of req.env ?? []) args.push('--env', k);
  if (req.memoryBytes) args.push('--memory', String(req.memoryBytes), '--memory-swap', String(req.memoryBytes));
  for (const p of req.publish ?? []) args.push('--publish', `127.0.0.1::${p}`);
  if (req.user) args.push('--user', req.user);
  const command = req.command ?? [];
  if (command.length) args.push('--entrypoint', command[0]);
  args.push('--', req.image);
  if (command.length) args.push(...command.slice(1), ...(req.args ?? []));
  else args.push(...(req.args ?? []));
  return args;
}

/** Starts a container in the background; returns its id. */
export async function runContainer(req: RunContainerRequest, o: DockerOptions = {}): Promise<string> {
  const env: Record<string, string | undefined> = { ...o.env };
  for (const [k, v] of req.env ?? []) env[k] = v;
  try {
    const r = await run({ ...o, env }, runContainerArgs(req), { secrets: (req.env ?? []).map(([, v]) => v).filter((v) => v.length >= 4), timeoutMs: 120_000 });
    return r.stdout.trim().split('\n').pop() ?? '';
  } catch (err) {
    throw mapDockerError(err, { image: req.image });
  }
}

export interface ContainerState {
  id: string;
  running: boolean;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  error: string;
  startedAt?: string;
  finishedAt?: string;
  /** The container's address on its network, when it has one. */
  ip?: string;
  /** Published ports: container port → 127.0.0.1 host port. */
  published: Record<number, number>;
}

export async function inspectContainer(id: string, o: DockerOptions = {}): Promise<ContainerState> {
  try {
    const r = await run(o, ['container', 'inspect', '--format', '{{json .}}', '--', id], { logCommand: false });
    const j = JSON.parse(r.stdout) as {
      Id: string;
      State: { Running: boolean; Pid: number; ExitCode: number; OOMKilled: boolean; Error: string; StartedAt?: string; FinishedAt?: string };
      NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }>; Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> };
    };
    const ns = j.NetworkSettings ?? {};
    const ip = ns.IPAddress || Object.values(ns.Networks ?? {}).map((n) => n.IPAddress).find((a) => a) || undefined;
    const published: Record<number, number> = {};
    for (const [key, binds] of Object.entries(ns.Ports ?? {})) {
      const port = parseInt(key, 10);
      const b = (binds ?? []).find((x) => x.HostPort);
      if (b) published[port] = Number(b.HostPort);
    }
    const s = j.State;
    return { id: j.Id, running: s.Running, pid: s.Pid, exitCode: s.ExitCode, oomKilled: s.OOMKilled, error: s.Error, startedAt: s.StartedAt, finishedAt: s.FinishedAt, ip, published };
  } catch (err) {
    throw mapDockerError(err);
  }
}

/** The container's last lines of output (stdout and stderr). */
export async function containerLogs(id: string, tailLines: number, o: DockerOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  try {
    await run(o, ['logs', '--tail', String(tailLines), '--', id], { logCommand: false, logStdout: false, onStdoutLine: (l) => lines.push(l), onStderrLine: (l) => lines.push(l), sink: undefined });
  } catch (err) {
    throw mapDockerError(err);
  }
  return lines.slice(-tailLines);
}

/** `docker stop -t GRACE`: SIGTERM (or the image's STOPSIGNAL), then SIGKILL after the grace period. */
export async function stopContainer(id: string, graceSeconds: number, o: DockerOptions = {}): Promise<number> {
  try {
    const r = await run(o, ['stop', '--time', String(graceSeconds), '--', id], { timeoutMs: (graceSeconds + 60) * 1000 });
    return r.durationMs;
  } catch (err) {
    throw mapDockerError(err);
  }
}

/** Removes a container, running or not; one that is already gone is fine. */
export async function removeContainer(id: string, o: DockerOptions = {}): Promise<void> {
  try {
    await run({ ...o, signal: undefined }, ['rm', '--force', '--volumes', '--', id], { okExitCodes: [0, 1], timeoutMs: 60_000 });
  } catch (err) {
    throw mapDockerError(err);
  }
}

/** Runs a command in a running container (an exec probe); its exit code and output. */
export async function execInContainer(id: string, command: readonly string[], timeoutMs: number, o: DockerOptions = {}): Promise<{ exitCode: number; output: string } | { timedOut: true }> {
  try {
    const r = await run(o, ['exec', '--', id, ...command], { timeoutMs, okExitCodes: Array.from({ length: 256 }, (_, i) => i), logCommand: false });
    return { exitCode: r.exitCode, output: (r.stdout + r.stderr).slice(0, 10_240) };
  } catch (err) {
    if (err instanceof ToolTimeoutError) return { timedOut: true };
    throw mapDockerError(err);
  }
}
