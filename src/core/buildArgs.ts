/**
 * `aksWorker.build.extraArgs`: the `docker build` options a setting may add. A workspace can set
 * this setting, so it takes only options that change how the image is built, never ones that read
 * or write files or sockets on the host (`--iidfile`, `--output`, `--secret`, `--ssh`,
 * `--build-context`, `--cache-to`, `--metadata-file`, `-f`…), send the image somewhere (`--push`),
 * or replace what AKS Worker passes itself (`-t`, `-f`, the context).
 */

export interface BuildOptionSpec {
  /** Takes a value (`--platform linux/amd64` or `--platform=linux/amd64`); otherwise a switch. */
  value: boolean;
  /** What a value must look like, when it is not free text. */
  pattern?: RegExp;
  /** The value's shape in words, for the message. */
  shape?: string;
}

const SIZE = { value: true, pattern: /^\d+(\.\d+)?[bkmgBKMG]?$/, shape: 'a size such as 2g or 512m' };
const INT = { value: true, pattern: /^-?\d+$/, shape: 'a whole number' };
const CPUS = { value: true, pattern: /^\d+([-,]\d+)*$/, shape: 'CPU numbers such as 0-3 or 0,1' };

/** The options `aksWorker.build.extraArgs` accepts (docker 28 `docker build`, legacy and BuildKit). */
export const ALLOWED_BUILD_OPTIONS: Readonly<Record<string, BuildOptionSpec>> = {
  '--platform': { value: true, pattern: /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?(,[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?)*$/, shape: 'os/arch such as linux/amd64' },
  '--build-arg': { value: true, pattern: /^[A-Za-z_][A-Za-z0-9_]*(=[\s\S]*)?$/, shape: 'NAME=value' },
  '--target': { value: true, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, shape: 'a stage name' },
  '--label': { value: true, pattern: /^[^=\s-][^=\s]*(=[\s\S]*)?$/, shape: 'key=value' },
  '--network': { value: true, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, shape: 'a network mode such as none, host or default' },
  '--add-host': { value: true, pattern: /^[A-Za-z0-9][A-Za-z0-9.-]*[:=][0-9A-Fa-f.:[\]]+$/, shape: 'host:ip' },
  '--progress': { value: true, pattern: /^(auto|plain|tty)$/, shape: 'auto, plain or tty' },
  '--no-cache-filter': { value: true, pattern: /^[A-Za-z0-9][A-Za-z0-9_.,-]*$/, shape: 'stage names' },
  '--shm-size': SIZE,
  '--memory': SIZE,
  '--memory-swap': { value: true, pattern: /^(-1|\d+(\.\d+)?[bkmgBKMG]?)$/, shape: 'a size such as 4g, or -1' },
  '--cpu-shares': INT,
  '--cpu-period': INT,
  '--cpu-quota': INT,
  '--cpuset-cpus': CPUS,
  '--cpuset-mems': CPUS,
  '--ulimit': { value: true, pattern: /^[a-z]+=-?\d+(:-?\d+)?$/, shape: 'name=soft[:hard] such as nofile=1024:2048' },
  '--no-cache': { value: false },
  '--pull': { value: false },
  '--rm': { value: false },
  '--force-rm': { value: false },
  '--compress': { value: false },
};

/** One-letter spellings docker accepts for allowed options. */
const SHORT: Readonly<Record<string, string>> = { '-m': '--memory', '-c': '--cpu-shares' };

/** Why some options are refused, in words, for the message. */
const WHY: Readonly<Record<string, string>> = {
  '--iidfile': 'it writes a file anywhere on this machine',
  '--metadata-file': 'it writes a file anywhere on this machine',
  '--output': 'it writes the image or its files anywhere on this machine',
  '-o': 'it writes the image or its files anywhere on this machine',
  '--secret': 'it reads files or environment variables of this machine into the build',
  '--ssh': 'it hands this machine\'s SSH agent or keys to the build',
  '--build-context': 'it reads folders of this machine outside the build context',
  '--cache-to': 'it writes a cache anywhere on this machine or to a registry',
  '--cache-from': 'it reads a cache from anywhere on this machine',
  '--file': 'AKS Worker passes the Dockerfile itself',
  '-f': 'AKS Worker passes the Dockerfile itself',
  '--tag': 'AKS Worker passes the image name and tag itself',
  '-t': 'AKS Worker passes the image name and tag itself',
  '--push': 'it pushes the image (use Push to Registry)',
  '--load': 'AKS Worker loads the image itself',
  '--quiet': 'AKS Worker follows the build output for its progress',
  '-q': 'AKS Worker follows the build output for its progress',
  '--allow': 'it grants the build extra privileges',
  '--security-opt': 'it changes the build\'s security profile',
  '--cgroup-parent': 'it places the build in another cgroup of this machine',
  '--builder': 'it picks another builder',
};

export class BuildArgsError extends Error {
  constructor(message: string, readonly option: string) {
    super(message);
    this.name = 'BuildArgsError';
  }
}

export interface BuildArgsSource {
  /** The setting or flag the arguments come from, e.g. "aksWorker.build.extraArgs". */
  setting: string;
  /** Where it is set, in words: "Workspace Settings", "User Settings", "the --network flag". */
  where?: string;
}

const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}…` : s);

/**
 * Checks extra `docker build` arguments against the allow-list and returns them as `--option=value`
 * (one item per option, so no value can ever be read as an option). Throws BuildArgsError naming
 * the setting, the option and where the setting is set.
 */
export function checkBuildArgs(args: readonly unknown[], source: BuildArgsSource): string[] {
  const at = `${source.setting}${source.where ? ` (${source.where})` : ''}`;
  const allowed = Object.keys(ALLOWED_BUILD_OPTIONS).join(', ');
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const raw = args[i];
    if (typeof raw !== 'string') throw new BuildArgsError(`${at}: every item must be a string (item ${i + 1} is ${raw === null ? 'null' : typeof raw}).`, String(raw));
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const given = eq >= 0 ? raw.slice(0, eq) : raw;
    const name = SHORT[given] ?? given;
    if (!name.startsWith('-')) {
      throw new BuildArgsError(`${at}: ${show(raw)} is not an option of docker build. The build context is the Dockerfile's folder (or the workspace); only options such as --platform or --build-arg go in this setting.`, raw);
    }
    const spec = ALLOWED_BUILD_OPTIONS[name];
    if (!spec) {
      const why = WHY[name] ?? WHY[given];
      throw new BuildArgsError(`${at}: the docker build option ${show(given)} is not allowed${why ? ` (${why})` : ''}. Allowed: ${allowed}.`, given);
    }
    if (!spec.value) {
      if (eq >= 0) {
        const v = raw.slice(eq + 1);
        if (v !== 'true' && v !== 'false') throw new BuildArgsError(`${at}: ${name} takes no value, or true/false (got ${show(v)}).`, name);
      }
      out.push(raw.startsWith('--') ? raw : name);
      continue;
    }
    let value: string;
    if (eq >= 0) value = raw.slice(eq + 1);
    else {
      const next = args[i + 1];
      if (typeof next !== 'string') throw new BuildArgsError(`${at}: ${name} needs a value${spec.shape ? ` (${spec.shape})` : ''} as the next item.`, name);
      value = next;
      i++;
    }
    if (spec.pattern && !spec.pattern.test(value)) throw new BuildArgsError(`${at}: ${show(value)} is not a valid value for ${name}${spec.shape ? `: use ${spec.shape}` : ''}.`, name);
    out.push(`${name}=${value}`);
  }
  return out;
}
