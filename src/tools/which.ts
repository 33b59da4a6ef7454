import { access, constants, stat } from 'node:fs/promises';
import { ToolResolution, resolveToolPath } from '../core/toolPath';
import { TOOLS, ToolName, ToolPaths, toolFile } from './catalog';
import { ToolNotFoundError } from './errors';

/**
 * Finds an executable without running one, as an absolute path: a path the user gave is checked as
 * it is (relative to this process's folder); a bare name is looked up in the absolute folders of
 * PATH (with PATHEXT on Windows), never in the current folder.
 */
export async function which(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  return (await lookUp(file, env)).path;
}

/** which, and the matches it skipped because only a relative PATH entry ("", ".") leads to them. */
export function lookUp(file: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): Promise<ToolResolution> {
  return resolveToolPath({ file, platform: process.platform, pathEnv: env.PATH ?? env.Path, pathExt: env.PATHEXT, baseDir: process.cwd(), cwd, isExecutable });
}

/** The absolute path of a tool (its setting, else PATH), or ToolNotFoundError. */
export async function resolveToolFile(name: ToolName, paths: ToolPaths = {}, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = toolFile(name, paths);
  const found = await lookUp(file, env);
  if (!found.path) throw new ToolNotFoundError(TOOLS[name], file, found.ignored[0]);
  return found.path;
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
