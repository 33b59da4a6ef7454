import { access, constants, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Finds an executable the way a shell would, without running one: an absolute or relative path is
 * checked as it is; a bare name is looked up on PATH (with PATHEXT on Windows).
 */
export async function which(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const windows = process.platform === 'win32';
  const exts = windows ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : [''];
  const candidates = (base: string) => (windows && /\.[^\\/]+$/.test(base) ? [base] : exts.map((e) => base + e));
  if (isAbsolute(file) || file.includes('/') || (windows && file.includes('\\'))) {
    for (const c of candidates(file)) if (await isExecutable(c)) return c;
    return undefined;
  }
  for (const dir of (env.PATH ?? env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const c of candidates(join(dir, file))) if (await isExecutable(c)) return c;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return false;
    await access(path, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
