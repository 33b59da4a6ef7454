/** Parsers for the version output of docker, helm, kubectl and az. Pure: text in, record out. */

export interface DockerVersion {
  client?: string;
  server?: string;
  /** Why the engine did not answer, when it did not. */
  serverError?: string;
}

/** `docker version --format '{{json .}}'`; on an unreachable engine docker prints the client part and an error. */
export function parseDockerVersion(stdout: string, stderr = ''): DockerVersion {
  const out: DockerVersion = {};
  const start = stdout.indexOf('{');
  if (start >= 0) {
    try {
      const v = JSON.parse(stdout.slice(start)) as { Client?: { Version?: string }; Server?: { Version?: string } | null };
      if (v.Client?.Version) out.client = v.Client.Version;
      if (v.Server?.Version) out.server = v.Server.Version;
    } catch {
      /* fall through to text */
    }
  }
  if (!out.server) {
    const err = stderr.trim().split(/\r?\n/).filter(Boolean);
    if (err.length) out.serverError = err[err.length - 1];
  }
  return out;
}

export interface HelmVersion {
  version: string;
  major: number;
}

/** `helm version --short` prints e.g. "v3.18.0+g2a2a3e4" or "v4.1.4+g…". */
export function parseHelmVersion(stdout: string): HelmVersion | undefined {
  const m = /v?(\d+)\.(\d+)\.(\d+)(?:[-+][\w.+-]*)?/.exec(stdout);
  if (!m) return undefined;
  return { version: `${m[1]}.${m[2]}.${m[3]}`, major: Number(m[1]) };
}

/** `kubectl version --client -o json`. */
export function parseKubectlVersion(stdout: string): string | undefined {
  try {
    const v = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } };
    return v.clientVersion?.gitVersion?.replace(/^v/, '');
  } catch {
    return /v(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  }
}

/** `az version -o json` prints {"azure-cli": "2.67.0", …}. */
export function parseAzVersion(stdout: string): string | undefined {
  try {
    const v = JSON.parse(stdout) as Record<string, unknown>;
    const cli = v['azure-cli'];
    return typeof cli === 'string' ? cli : undefined;
  } catch {
    return /azure-cli\s+(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  }
}

/** The next patch version of a semantic version ("0.0.1" → "0.0.2", "1.4.0-rc.1" → "1.4.0"), or undefined. */
export function nextPatch(version: string): string | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!m) return undefined;
  // A pre-release of x.y.z is released as x.y.z; a release is followed by x.y.(z+1).
  return m[4] ? `${m[1]}.${m[2]}.${m[3]}` : `${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

export type BumpKind = 'patch' | 'minor' | 'major';

/** Semantic version bump: 1.2.3 → 1.2.4 / 1.3.0 / 2.0.0; a pre-release is dropped. Undefined if not SemVer. */
export function bumpSemver(version: string, kind: BumpKind): string | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!m) return undefined;
  const [maj, min, pat] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (kind === 'major') return `${maj + 1}.0.0`;
  if (kind === 'minor') return `${maj}.${min + 1}.0`;
  return `${maj}.${min}.${pat + 1}`;
}

/** True for a SemVer 2 version, as Helm requires for a chart's `version`. */
export function isSemver(version: string): boolean {
  return /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/.test(version);
}
