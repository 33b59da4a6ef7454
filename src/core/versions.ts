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

const SEMVER = /^(v?)(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/**
 * Semantic version bump (SemVer 2, as npm's semver does it): a pre-release is released as its own
 * version (patch of 1.2.3-rc.1 → 1.2.3; minor of 1.3.0-rc.1 → 1.3.0), a release moves up
 * (1.2.3 → 1.2.4 / 1.3.0 / 2.0.0). A "v" prefix and build metadata are kept. Undefined if not SemVer.
 */
export function bumpSemver(version: string, kind: BumpKind): string | undefined {
  const m = SEMVER.exec(version.trim());
  if (!m) return undefined;
  const [v, maj, min, pat, pre, build] = [m[1], Number(m[2]), Number(m[3]), Number(m[4]), m[5], m[6]];
  let next: [number, number, number];
  if (kind === 'major') next = pre && min === 0 && pat === 0 ? [maj, 0, 0] : [maj + 1, 0, 0];
  else if (kind === 'minor') next = pre && pat === 0 ? [maj, min, 0] : [maj, min + 1, 0];
  else next = pre ? [maj, min, pat] : [maj, min, pat + 1];
  return `${v}${next.join('.')}${build ? `+${build}` : ''}`;
}

/** SemVer 2 precedence: -1, 0 or 1; build metadata and a "v" prefix do not count. Undefined if either is not SemVer. */
export function compareSemver(a: string, b: string): number | undefined {
  const x = SEMVER.exec(a.trim());
  const y = SEMVER.exec(b.trim());
  if (!x || !y) return undefined;
  for (let i = 2; i <= 4; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) < Number(y[i]) ? -1 : 1;
  if (!x[5] || !y[5]) return x[5] ? -1 : y[5] ? 1 : 0;
  const p = x[5].split('.');
  const q = y[5].split('.');
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    if (p[i] === undefined) return -1;
    if (q[i] === undefined) return 1;
    const pn = /^\d+$/.test(p[i]);
    const qn = /^\d+$/.test(q[i]);
    if (pn && qn && Number(p[i]) !== Number(q[i])) return Number(p[i]) < Number(q[i]) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    if (!pn && p[i] !== q[i]) return p[i] < q[i] ? -1 : 1;
  }
  return 0;
}

/** True for a SemVer 2 version, as Helm requires for a chart's `version`. */
export function isSemver(version: string): boolean {
  return /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/.test(version);
}
