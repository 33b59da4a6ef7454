/**
 * Where a tool's executable is, decided before it is spawned, the way a shell would find it but
 * never in the current folder: a bare name is looked up only in the absolute folders of PATH (with
 * PATHEXT on Windows). Windows' own lookup tries the child's working folder first, so `helm create`
 * run in a charts folder would start a `helm.cmd` planted there; a relative PATH entry ("", ".",
 * "bin") would do the same on any system. Those are skipped, like Go's exec.LookPath refuses them.
 */
import { posix, win32 } from 'node:path';

export interface ResolveToolInputs {
  /** A bare name ("helm"), or a path the user gave (setting, CLI flag). */
  file: string;
  platform: NodeJS.Platform;
  /** The PATH to search (PATH, or Path on Windows). */
  pathEnv?: string;
  /** PATHEXT on Windows; default ".COM;.EXE;.BAT;.CMD". */
  pathExt?: string;
  /** What a relative path given by the user is relative to: the process's folder, never the tool's. */
  baseDir: string;
  /** The folder the tool would run in, where a relative PATH entry points (only to say what is skipped). */
  cwd?: string;
  /** Whether an absolute path is an executable file. */
  isExecutable: (absolutePath: string) => Promise<boolean>;
}

export interface ToolResolution {
  /** The absolute path to run, when found. */
  path?: string;
  /** Matches in relative PATH entries, which are not used. */
  ignored: string[];
}

export async function resolveToolPath(i: ResolveToolInputs): Promise<ToolResolution> {
  const windows = i.platform === 'win32';
  const p = windows ? win32 : posix;
  const exts = windows ? (i.pathExt || '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.trim()).filter(Boolean) : [''];
  const candidates = (base: string): string[] => {
    if (!windows) return [base];
    const ext = p.extname(base).toUpperCase();
    return ext && exts.some((e) => e.toUpperCase() === ext) ? [base] : exts.map((e) => base + e.toLowerCase());
  };
  const first = async (bases: string[]): Promise<string | undefined> => {
    for (const c of bases) if (await i.isExecutable(c)) return c;
    return undefined;
  };
  const ignored: string[] = [];
  const hasSeparator = i.file.includes('/') || (windows && i.file.includes('\\'));
  if (p.isAbsolute(i.file) || hasSeparator) {
    // A path the user chose: taken as given, relative to the process's folder.
    return { path: await first(candidates(p.resolve(i.baseDir, i.file))), ignored };
  }
  if (!i.file) return { ignored };
  for (const dir of (i.pathEnv ?? '').split(windows ? ';' : ':')) {
    const d = windows ? dir.replace(/^"(.*)"$/, '$1') : dir;
    if (!p.isAbsolute(d) || (windows && !/^([A-Za-z]:[\\/]|[\\/]{2})/.test(d))) {
      // "", "." or "bin": the current folder (or below), whatever it is when the tool starts.
      const found = await first(candidates(p.resolve(i.cwd ?? i.baseDir, d || '.', i.file)));
      if (found) ignored.push(found);
      continue;
    }
    const found = await first(candidates(p.join(d, i.file)));
    if (found) return { path: found, ignored };
  }
  return { ignored };
}
