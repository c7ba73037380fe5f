import { connect } from 'node:net';
import type { HaproxyCounters, HaproxyServerCounters } from '../../result/proxy-result.js';

/** Sends one command to HAProxy's stats socket and returns its whole answer (HAProxy closes after it). */
export function askStatsSocket(path: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let answer = '';
    const timer = setTimeout(
      () => socket.destroy(new Error(`the stats socket did not answer '${command}' within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('end', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`${command}\n`);
  });
}

function num(row: Record<string, string>, field: string): number {
  const v = Number(row[field]);
  return row[field] === undefined || row[field] === '' || !Number.isFinite(v) ? 0 : v;
}

function countersOf(row: Record<string, string>): HaproxyServerCounters {
  const responses: Record<string, number> = {};
  for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'])
    if (row[`hrsp_${cls}`] !== undefined && row[`hrsp_${cls}`] !== '') responses[cls] = num(row, `hrsp_${cls}`);
  return {
    name: row.svname ?? '',
    sessions: num(row, 'stot'),
    connects: num(row, 'connect'),
    reuses: num(row, 'reuse'),
    connectErrors: num(row, 'econ'),
    retries: num(row, 'wretr'),
    responseErrors: num(row, 'eresp'),
    responses,
  };
}

/** The rows of `show stat` (CSV with a `# pxname,svname,...` header) as field -> value. Pure. */
export function parseShowStat(csv: string): Record<string, string>[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) return [];
  const names = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const values = l.split(',');
      return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
    });
}

/** `show info`'s `Name: value` lines. Pure. */
export function parseShowInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

/** A backend's counters from `show stat` and `show info`; null when the backend is not in it. Pure. */
export function haproxyCountersOf(statCsv: string, infoText: string, backend: string, readAtMs: number): HaproxyCounters | null {
  const rows = parseShowStat(statCsv).filter((r) => r.pxname === backend);
  const total = rows.find((r) => r.svname === 'BACKEND');
  if (!total) return null;
  const info = parseShowInfo(infoText);
  const maybe = (v: string | undefined): number | null => (v === undefined || !Number.isFinite(Number(v)) ? null : Number(v));
  return {
    servers: rows.filter((r) => r.svname !== 'BACKEND').map(countersOf),
    backend: countersOf(total),
    info: { version: info.Version ?? '', cumConns: maybe(info.CumConns), uptimeSec: maybe(info.Uptime_sec) },
    readAtMs,
  };
}

/** Reads a backend's counters through the stats socket. */
export async function readHaproxyCounters(socketPath: string, backend: string, readAtMs: number): Promise<HaproxyCounters | null> {
  const [stat, info] = [await askStatsSocket(socketPath, 'show stat'), await askStatsSocket(socketPath, 'show info')];
  return haproxyCountersOf(stat, info, backend, readAtMs);
}
