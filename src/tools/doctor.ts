import { parseAzVersion, parseDockerVersion, parseHelmVersion, parseKubectlVersion } from '../core/versions';
import { TOOLS, ToolName, ToolPaths, toolFile } from './catalog';
import { ToolError } from './errors';
import { runTool } from './process';
import { which } from './which';

export interface ToolCheck {
  /** "docker", "docker engine", "helm", "kubectl" or "az". */
  name: string;
  found: boolean;
  required: boolean;
  path?: string;
  version?: string;
  /** What is wrong and how to fix it, or extra facts (e.g. "Helm 4"). */
  detail?: string;
}

export interface DoctorReport {
  tools: ToolCheck[];
  /** True when every required tool was found and answered. */
  ok: boolean;
}

export interface DoctorOptions {
  paths?: ToolPaths;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Finds each tool, asks its version, and says what is missing. Runs the checks in parallel. */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const run = (name: ToolName, path: string, args: string[], okExitCodes = [0]) =>
    runTool(TOOLS[name], path, args, {
      env: env === process.env ? undefined : env,
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 20_000,
      logCommand: false,
      okExitCodes,
    });

  const locate = async (name: ToolName): Promise<{ file: string; path?: string }> => {
    const file = toolFile(name, options.paths);
    return { file, path: await which(file, env) };
  };
  const missing = (name: ToolName, file: string, required: boolean): ToolCheck => ({
    name,
    found: false,
    required,
    detail: `not found (${file === name ? 'not on PATH' : `no executable at ${file}`}). ${TOOLS[name].install} Or set "${TOOLS[name].setting}".`,
  });
  const failed = (name: string, required: boolean, path: string, err: unknown): ToolCheck => ({
    name,
    found: false,
    required,
    path,
    detail: err instanceof ToolError ? err.message : String(err),
  });

  const dockerChecks = async (): Promise<ToolCheck[]> => {
    const { file, path } = await locate('docker');
    if (!path) {
      return [missing('docker', file, true), { name: 'docker engine', found: false, required: true, detail: 'needs the docker client first' }];
    }
    try {
      const r = await run('docker', path, ['version', '--format', '{{json .}}'], [0, 1]);
      const v = parseDockerVersion(r.stdout, r.stderr);
      const client: ToolCheck = { name: 'docker', found: !!v.client, required: true, path, version: v.client };
      if (!v.client) client.detail = `could not read the version: ${r.stderr.trim() || r.stdout.trim()}`;
      const engine: ToolCheck = v.server
        ? { name: 'docker engine', found: true, required: true, version: v.server, detail: env.DOCKER_HOST ? `DOCKER_HOST=${env.DOCKER_HOST}` : undefined }
        : {
            name: 'docker engine',
            found: false,
            required: true,
            detail: `not reachable${v.serverError ? `: ${v.serverError.replace(/[.?!]+$/, '')}` : ''}. Start Docker Desktop or the Docker daemon (or set DOCKER_HOST).`,
          };
      return [client, engine];
    } catch (err) {
      return [failed('docker', true, path, err), { name: 'docker engine', found: false, required: true, detail: 'needs a working docker client first' }];
    }
  };

  const helmCheck = async (): Promise<ToolCheck> => {
    const { file, path } = await locate('helm');
    if (!path) return missing('helm', file, true);
    try {
      const r = await run('helm', path, ['version', '--short']);
      const v = parseHelmVersion(r.stdout);
      if (!v) return { name: 'helm', found: false, required: true, path, detail: `unrecognised version output: ${r.stdout.trim()}` };
      if (v.major < 3) {
        return { name: 'helm', found: false, required: true, path, version: v.version, detail: `Helm ${v.version} is too old: Helm 3 or 4 is needed. ${TOOLS.helm.install}` };
      }
      return { name: 'helm', found: true, required: true, path, version: v.version, detail: `Helm ${v.major}` };
    } catch (err) {
      return failed('helm', true, path, err);
    }
  };

  const kubectlCheck = async (): Promise<ToolCheck> => {
    const { file, path } = await locate('kubectl');
    if (!path) return missing('kubectl', file, true);
    try {
      const r = await run('kubectl', path, ['version', '--client', '-o', 'json']);
      const version = parseKubectlVersion(r.stdout);
      return version
        ? { name: 'kubectl', found: true, required: true, path, version }
        : { name: 'kubectl', found: false, required: true, path, detail: `unrecognised version output: ${r.stdout.trim()}` };
    } catch (err) {
      return failed('kubectl', true, path, err);
    }
  };

  const azCheck = async (): Promise<ToolCheck> => {
    const { file, path } = await locate('az');
    if (!path) {
      const m = missing('az', file, false);
      m.detail += ' Needed only to log in to Azure Container Registry and to attach it to an AKS cluster.';
      return m;
    }
    try {
      const r = await run('az', path, ['version', '-o', 'json']);
      const version = parseAzVersion(r.stdout);
      return { name: 'az', found: true, required: false, path, version, detail: version ? undefined : 'version not recognised' };
    } catch (err) {
      return failed('az', false, path, err);
    }
  };

  const dotnetCheck = async (): Promise<ToolCheck> => {
    const { file, path } = await locate('dotnet');
    if (!path) {
      const m = missing('dotnet', file, false);
      m.detail += ' Needed to read .NET projects as MSBuild does (Add Dockerfile); without it they are read as plain files.';
      return m;
    }
    try {
      const r = await run('dotnet', path, ['--version']);
      const version = /^\s*(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1];
      if (!version) return { name: 'dotnet', found: false, required: false, path, detail: `unrecognised version output: ${r.stdout.trim()}` };
      const major = Number(version.split('.')[0]);
      if (major < 8) {
        return { name: 'dotnet', found: false, required: false, path, version, detail: `SDK ${version} is older than 8: projects are read without MSBuild. ${TOOLS.dotnet.install}` };
      }
      return { name: 'dotnet', found: true, required: false, path, version, detail: 'projects are evaluated with MSBuild' };
    } catch (err) {
      return failed('dotnet', false, path, err);
    }
  };

  const [docker, helm, kubectl, az, dotnet] = await Promise.all([dockerChecks(), helmCheck(), kubectlCheck(), azCheck(), dotnetCheck()]);
  const tools = [...docker, helm, kubectl, az, dotnet];
  return { tools, ok: tools.every((t) => t.found || !t.required) };
}

/** The report as aligned text lines, for the CLI and the output channel. */
export function formatDoctorReport(report: DoctorReport): string[] {
  const width = Math.max(...report.tools.map((t) => t.name.length));
  const lines = report.tools.map((t) => {
    const mark = t.found ? 'ok     ' : t.required ? 'MISSING' : 'absent ';
    const facts = [t.version, t.path].filter(Boolean).join('  ');
    return `${mark}  ${t.name.padEnd(width)}  ${facts}${t.detail ? `${facts ? '  ' : ''}(${t.detail})` : ''}`;
  });
  const missing = report.tools.filter((t) => !t.found && t.required).map((t) => t.name);
  lines.push(missing.length ? `Missing: ${missing.join(', ')}.` : 'All required tools found.');
  return lines;
}
