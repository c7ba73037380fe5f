import { PlanError } from '../errors.js';

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `500ms`, `10s`, `1.5m` or `2h` into milliseconds.
 * A unit is required: a bare `10` is ambiguous between seconds and milliseconds.
 */
export function parseDurationMs(option: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) {
    if (/^\s*\d+(\.\d+)?\s*$/.test(text)) {
      throw new PlanError(option, `${option} '${text}' needs a unit: ms, s, m or h (e.g. 10s)`);
    }
    throw new PlanError(option, `${option} '${text}' is not a duration (e.g. 500ms, 10s, 2m)`);
  }
  const unit = match[2]!.toLowerCase();
  const factor = DURATION_UNITS_MS[unit];
  if (factor === undefined) {
    throw new PlanError(option, `${option} '${text}' has an unknown unit '${match[2]}': use ms, s, m or h`);
  }
  const ms = Number(match[1]) * factor;
  if (!Number.isFinite(ms)) throw new PlanError(option, `${option} '${text}' is too large`);
  return Math.round(ms);
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** Parses a byte size such as `2`, `512b`, `4k` or `1mb` (binary multiples). */
export function parseBytes(option: string, text: string): number {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text);
  const factor = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new PlanError(option, `${option} '${text}' is not a size (e.g. 2, 512b, 4k, 1mb)`);
  }
  return Number(match[1]) * factor;
}

/** Parses a strictly positive integer (`--connections`, `--requests`). */
export function parsePositiveInt(option: string, value: unknown): number {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new PlanError(option, `${option} must be a positive whole number, got '${String(value)}'`);
  }
  return Number(text);
}

/** Parses a strictly positive number that may have a fraction (`--rate 0.5`). */
export function parsePositiveNumber(option: string, value: unknown): number {
  const text = String(value).trim();
  const n = Number(text);
  if (text === '' || !/^\d*\.?\d+$/.test(text) || !Number.isFinite(n) || n <= 0) {
    throw new PlanError(option, `${option} must be a positive number, got '${String(value)}'`);
  }
  return n;
}

/** A value among `allowed`, or a PlanError naming the option and the choices. */
export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new PlanError(option, `${option} '${value}' must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}
