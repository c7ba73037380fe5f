import { link, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ResultFileError } from '../errors.js';

/** A file name stamp: `2026-11-26T07-55-01Z`. */
export function fileStamp(isoTime: string): string {
  return isoTime.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * The one way portchurn writes a file: the text goes to a temporary file beside it, which then
 * takes the final name whole, so a reader never sees half a file and an interrupted write leaves
 * the old one. `replace`: rename() over what is there (reports and the index, which are derived);
 * otherwise link(), which fails with EEXIST rather than overwrite (results). Returns false when
 * `replace` is off and the name was taken; other failures are thrown as the system reported them.
 */
export async function writeFileAtomically(path: string, text: string, replace: boolean): Promise<boolean> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(temp, text);
    if (replace) {
      await rename(temp, path);
      return true;
    }
    await link(temp, path);
    return true;
  } catch (error) {
    if (!replace && (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {}); // gone already after a rename
  }
}

/**
 * Writes `data` as JSON to `dir/<prefix>-<stamp>.json` atomically and never over an earlier
 * file, adding `-2`, `-3`... until a name is free.
 */
export async function writeResultFile(dir: string, prefix: string, isoTime: string, data: unknown): Promise<string> {
  const text = `${JSON.stringify(data, null, 2)}\n`;
  try {
    await mkdir(dir, { recursive: true });
    for (let n = 1; ; n++) {
      const path = join(dir, `${prefix}-${fileStamp(isoTime)}${n === 1 ? '' : `-${n}`}.json`);
      if (await writeFileAtomically(path, text, false)) return path;
    }
  } catch (error) {
    throw new ResultFileError(dir, `cannot write the result under ${dir}: ${(error as Error).message}`, { cause: error });
  }
}
