import { BuildArgsSource, checkBuildArgs } from '../core/buildArgs';
import { BuildState, applyBuildLine, buildFailure, newBuildState } from '../core/dockerBuild';
import { PushState, applyPushLine, newPushState, summarizePush } from '../core/dockerPush';
import { TOOLS, ToolPaths, toolFile } from './catalog';
import { ActionableError, ToolExitError } from './errors';
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
