import type { ErrorCode } from '../result/error-codes.js';

const ERRNO_NAME = /^E[A-Z0-9]+$/;

/** Maps a thrown error to its code by `err.code` (never by message). */
export function classifyError(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'OTHER';
  if (ERRNO_NAME.test(code)) return code as ErrorCode;
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED/.test(code)) return 'TLS';
  return 'OTHER';
}

/** The code for a non-2xx HTTP status, or null for 2xx. */
export function classifyStatus(status: number): ErrorCode | null {
  if (status >= 200 && status < 300) return null;
  if (status < 200) return 'HTTP_1XX';
  if (status < 400) return 'HTTP_3XX';
  if (status < 500) return 'HTTP_4XX';
  return 'HTTP_5XX';
}
