import { randomBytes } from 'node:crypto';
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MAX_PARSE_BYTES, guardSize } from '../core/parseLimits';

/** A file the user protected (read-only): we refuse to write it rather than override the protection. */
export class ReadOnlyFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} is read-only; nothing was written. Make it writable first if it should change.`);
    this.name = 'ReadOnlyFileError';
  }
}

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a reader never sees half a
 * file and a failed write leaves the old content. An existing file keeps what the user gave it: a
 * symbolic link is written through (the link stays a link), the mode bits are kept, and a read-only
 * file is refused. With `exclusive`, an existing file is an error.
 */
export async function writeFileAtomic(path: string, content: string, options: { exclusive?: boolean } = {}): Promise<void> {
  if (options.exclusive) {
    // 'wx' fails if the file exists; the content is then moved in place of the empty file.
    await writeFile(path, '', { flag: 'wx' });
  }
  let target = path;
  let mode: number | undefined;
  if (!options.exclusive) {
    try {
      target = await realpath(path);
      const s = await stat(target);
      mode = s.mode & 0o7777;
      if ((mode & 0o222) === 0) throw new ReadOnlyFileError(path);
    } catch (err) {
      if (err instanceof ReadOnlyFileError) throw err;
      target = path; // a new file
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    if (mode !== undefined) await chmod(tmp, mode);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    if (options.exclusive) await rm(path, { force: true });
    throw err;
  }
}

/**
 * Reads a UTF-8 text file of the user's (a chart, values, kubeconfig, project file) for parsing: one
 * larger than the parse limit is refused from its size, before it is read, with a ParseLimitError.
 */
export async function readUserText(path: string, max = MAX_PARSE_BYTES): Promise<string> {
  const s = await stat(path);
  if (s.isFile()) guardSize(s.size, path, max);
  return readFile(path, 'utf8');
}
