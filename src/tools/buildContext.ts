import { readFile, readdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { recordedContext } from '../core/dockerfile';

/** The nearest folder at or above `from` that holds a .sln or .slnx file, not going above `stopAt`. */
export async function nearestSolutionDir(from: string, stopAt?: string): Promise<string | undefined> {
  let dir = resolve(from);
  const stop = stopAt ? resolve(stopAt) : undefined;
  for (;;) {
    try {
      if ((await readdir(dir)).some((n) => /\.slnx?$/i.test(n))) return dir;
    } catch {
      /* unreadable: keep going up */
    }
    const parent = dirname(dir);
    if (parent === dir || (stop && (dir === stop || !dir.startsWith(stop)))) return undefined;
    dir = parent;
  }
}

/** The build context for a Dockerfile: what it records (`# Build context:`), else the nearest solution's folder, else its own. */
export async function dockerBuildContext(dockerfile: string, stopAt?: string): Promise<string> {
  const text = await readFile(dockerfile, 'utf8').catch(() => '');
  const recorded = recordedContext(text);
  if (recorded) return resolve(dirname(dockerfile), recorded);
  return (await nearestSolutionDir(dirname(dockerfile), stopAt)) ?? dirname(dockerfile);
}

