import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file atomically: a temporary file beside it, then a rename, so a reader never sees half a
 * file and a failed write leaves the old content. With `exclusive`, an existing file is an error.
 */
export async function writeFileAtomic(path: string, content: string, options: { exclusive?: boolean } = {}): Promise<void> {
  if (options.exclusive) {
    // 'wx' fails if the file exists; the content is then moved in place of the empty file.
    await writeFile(path, '', { flag: 'wx' });
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    if (options.exclusive) await rm(path, { force: true });
    throw err;
  }
}
