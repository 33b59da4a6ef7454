import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The rig's real .NET images (mcr.microsoft.com/dotnet/{sdk,runtime,aspnet}:X), made from this
 * machine's .NET SDK by test/rig/dotnet-images/build (see test/rig/README.md): no image can be pulled
 * here. The script skips images whose inputs have not changed and serialises concurrent callers
 * across processes with flock on $RIG_DIR/dotnet-images/.lock.
 */
const ROOT = join(__dirname, '..', '..', '..');
const BUILD = join(ROOT, 'test', 'rig', 'dotnet-images', 'build');
/** The projects whose packages are seeded into the sdk image for offline restores. */
export const DEFAULT_SEED = [join(ROOT, 'test', 'fixtures', 'sample-worker'), join(ROOT, 'test', 'fixtures', 'dotnet-corpus'), join(ROOT, 'test', 'fixtures', 'plain-workers')];
export const DEFAULT_VERSIONS = ['8.0', '9.0', '10.0'];

export interface DotnetImagesOptions {
  /** The environment of the run: the rig's DOCKER_HOST etc., and a PATH with `dotnet`. */
  env: NodeJS.ProcessEnv;
  /** .NET versions (default 8.0, 9.0, 10.0); sdk:6.0 (the SDK standing in) is always added. */
  versions?: string[];
  /** Folders whose projects are restored into the sdk image (default: sample-worker, the corpus, the plain workers). */
  seed?: string[];
}

// One run per process and arguments; on globalThis because each test file bundles its own copy.
const MEMO_KEY = Symbol.for('aks-worker.test.dotnetImages');
const memo: Map<string, Promise<string[]>> = ((globalThis as Record<symbol, unknown>)[MEMO_KEY] as Map<string, Promise<string[]>> | undefined) ??
  ((globalThis as Record<symbol, unknown>)[MEMO_KEY] = new Map<string, Promise<string[]>>());

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/**
 * Makes (or finds up to date) the .NET images and returns their tags. Throws with the tail of the
 * script's stderr when it fails, and at once when `dotnet` is not on PATH: tests never skip for it.
 */
export async function ensureDotnetImages(o: DotnetImagesOptions): Promise<string[]> {
  const versions = [...new Set(['6.0', ...(o.versions ?? DEFAULT_VERSIONS)])];
  const seed = o.seed ?? DEFAULT_SEED;
  const key = JSON.stringify({ versions, seed, docker: o.env.DOCKER_HOST ?? '', rig: o.env.RIG_DIR ?? '' });
  let p = memo.get(key);
  if (!p) {
    p = build(o.env, versions, seed);
    memo.set(key, p);
    p.catch(() => memo.delete(key));
  }
  return p;
}

function build(env: NodeJS.ProcessEnv, versions: string[], seed: string[]): Promise<string[]> {
  if (!onPath('dotnet', env)) {
    return Promise.reject(new Error("the .NET SDK is needed to build the rig's .NET images: install it, dotnet on PATH"));
  }
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [BUILD, '--versions', versions.join(','), ...seed], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const err: string[] = [];
    let partial = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => {
      const lines = (partial + c.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) {
        err.push(l);
        // progress for whoever watches the test run: a cold build takes a minute or two
        if (process.env.AKS_WORKER_QUIET_DOTNET_IMAGES !== '1') process.stderr.write(`      ${l}\n`);
      }
    });
    child.on('error', (e) => reject(new Error(`could not run ${BUILD}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (partial) err.push(partial);
      if (code === 0) {
        resolve(out.split('\n').map((l) => l.trim()).filter(Boolean));
      } else {
        const tail = err.filter((l) => l.trim()).slice(-25).join('\n');
        reject(new Error(`building the rig's .NET images failed (${BUILD}, exit ${code ?? signal}):\n${tail}`));
      }
    });
  });
}
