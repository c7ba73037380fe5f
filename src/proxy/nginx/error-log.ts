import type { ErrorLogCounts } from '../../result/proxy-result.js';

/** Counts an nginx error log by errno. Pure. */
export function countErrorLog(text: string): ErrorLogCounts {
  const byErrno: Record<string, number> = {};
  let other = 0;
  let example: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /failed \((\d+): /.exec(line);
    if (m) {
      byErrno[m[1]!] = (byErrno[m[1]!] ?? 0) + 1;
      if (m[1] === '99' && example === null) example = line.trim();
    } else {
      other++;
    }
  }
  return { byErrno, other, example };
}
