import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Writes an executable stand-in for a command-line tool: a shell script that runs `program` (Node
 * code, the tool's argv in `process.argv.slice(2)`) with this Node, in place of the shell (exec), so
 * the pid the tool reports is the one runTool started. FAKE_DIR in its environment is its folder,
 * where it may leave files for the test (its pid, a count of runs).
 */
export function fakeTool(name: string, program: string, dir = mkdtempSync(join(tmpdir(), `aksw-fake-${name}-`))): { dir: string; file: string } {
  const js = join(dir, `${name}.js`);
  writeFileSync(js, program);
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\nFAKE_DIR='${dir}' exec '${process.execPath}' '${js}' "$@"\n`);
  chmodSync(file, 0o755);
  return { dir, file };
}
