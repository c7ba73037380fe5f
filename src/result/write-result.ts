import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ResultFileError } from '../errors.js';

/** A file name stamp: `2026-11-26T07-55-01Z`. */
export function fileStamp(isoTime: string): string {
  return isoTime.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

/**
 * Writes `data` as JSON to `dir/<prefix>-<stamp>.json` atomically and never over an earlier
 * file: it writes a temporary file, then hard-links it to the final name (link() fails with
 * EEXIST where rename() would overwrite), adding `-2`, `-3`... until a name is free.
 */
export async function writeResultFile(dir: string, prefix: string, isoTime: string, data: unknown): Promise<string> {
  const text = `${JSON.stringify(data, null, 2)}\n`;
  const temp = join(dir, `.${prefix}-${process.pid}-${Date.now()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, text);
    for (let n = 1; ; n++) {
      const path = join(dir, `${prefix}-${fileStamp(isoTime)}${n === 1 ? '' : `-${n}`}.json`);
      try {
        await link(temp, path);
        return path;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  } catch (error) {
    throw new ResultFileError(dir, `cannot write the result under ${dir}: ${(error as Error).message}`, { cause: error });
  } finally {
    await unlink(temp).catch(() => {});
  }
}
