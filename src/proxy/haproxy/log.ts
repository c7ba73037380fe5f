import type { ErrorLogCounts } from '../../result/proxy-result.js';

/**
 * HAProxy's messages about connecting upstream, and the errno behind each (src/proto_tcp.c:
 * EADDRNOTAVAIL and EAGAIN both print "no free ports"; EADDRINUSE "local address already in use").
 */
const MESSAGES: readonly [RegExp, string | null][] = [
  [/Connect\(\) failed for backend .*: no free ports/, '99'],
  [/Connect\(\) failed for backend .*: local address already in use/, '98'],
  // A port range with no port left to bind: no errno of the kernel's, HAProxy's own count.
  [/Cannot bind to (tproxy )?source address before connect\(\)/, null],
];

/** Counts HAProxy's stderr lines about upstream connections by errno, a line at a time (a run writes many). */
export class HaproxyLogCounter {
  private readonly byErrno: Record<string, number> = {};
  private other = 0;
  private example: string | null = null;

  add(raw: string): void {
    const line = raw.trim();
    // Startup and shutdown notices are not errors.
    if (line === '' || line.startsWith('[NOTICE]') || line.startsWith('[WARNING]')) return;
    const known = MESSAGES.find(([pattern]) => pattern.test(line));
    const errno = known?.[1] ?? null;
    if (errno !== null) this.byErrno[errno] = (this.byErrno[errno] ?? 0) + 1;
    else this.other++;
    if (this.example === null && (errno === '99' || (known && errno === null))) this.example = line;
  }

  counts(): ErrorLogCounts {
    return { byErrno: { ...this.byErrno }, other: this.other, example: this.example };
  }
}

/** Counts a whole stderr text. Pure. */
export function countHaproxyLog(text: string): ErrorLogCounts {
  const counter = new HaproxyLogCounter();
  for (const line of text.split('\n')) counter.add(line);
  return counter.counts();
}
