import { endianness } from 'node:os';
import abi from '../native/api/abi.json' with { type: 'json' };

/**
 * src/native/api/abi.json: the one description of what crosses between JavaScript and the native
 * addon (the configuration start() takes, the records it hands back, the outcome codes, the
 * fields of a drain). The C asserts its structures against it at compile time; this module
 * compares the built addon's layout with it at load and reads every record field through it.
 */
export const NATIVE_ABI = abi;

/** A record type abi.json describes. */
export type RecordKind = keyof typeof abi.records;
/** A field of the attempt record (`intendedMs`, `code`, ...). */
export type AttemptField = keyof typeof abi.records.attempt.fields;
/** A field of the socket-dump record (`state`, `cookie`, ...). */
export type SocketField = keyof typeof abi.records.socket.fields;

/** A record's layout as the addon reports it: `{ bytes, fields: { name: { offset, bytes } } }`. */
export interface BuiltRecordLayout {
  readonly bytes: number;
  readonly fields: Readonly<Record<string, { readonly offset: number; readonly bytes: number }>>;
}

/** What the addon says it was built with (`addon.abi`). */
export interface BuiltAbi {
  readonly version: number;
  readonly records: Readonly<Record<string, BuiltRecordLayout>>;
  readonly config: readonly string[];
  readonly targetConfig: readonly string[];
  readonly drain: readonly string[];
}

const TYPE_BYTES: Readonly<Record<string, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, i32: 4, f64: 8, addr16: 16 };

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The first difference between the addon's layout and abi.json, as a sentence, or null when they
 * agree. A difference means the addon was built from another abi.json (a stale build): reading
 * its records by this description would give wrong figures, so it must not be used.
 */
export function abiMismatch(built: BuiltAbi | undefined, expected: typeof abi = abi): string | null {
  if (!built || typeof built !== 'object') return 'it exports no layout (built before the layout was stated in abi.json)';
  if (built.version !== expected.version)
    return `it was built for layout version ${built.version}, this code reads version ${expected.version}`;
  for (const [kind, record] of Object.entries(expected.records)) {
    const got = built.records?.[kind];
    if (!got) return `it has no ${kind} record`;
    if (got.bytes !== record.bytes) return `its ${kind} record is ${got.bytes} bytes, abi.json says ${record.bytes}`;
    const names = Object.keys(record.fields);
    if (!sameList(Object.keys(got.fields), names))
      return `its ${kind} record has the fields ${Object.keys(got.fields).join(', ')}, abi.json ${names.join(', ')}`;
    for (const [name, field] of Object.entries(record.fields) as [string, { offset: number; type: string }][]) {
      const f = got.fields[name]!;
      if (f.offset !== field.offset) return `its ${kind} record has ${name} at byte ${f.offset}, abi.json says ${field.offset}`;
      if (f.bytes !== TYPE_BYTES[field.type]) return `its ${kind} record has ${name} of ${f.bytes} bytes, abi.json says ${field.type}`;
    }
  }
  if (!sameList(built.config ?? [], Object.keys(expected.config)))
    return `it takes the configuration fields ${(built.config ?? []).join(', ')}, abi.json ${Object.keys(expected.config).join(', ')}`;
  if (!sameList(built.targetConfig ?? [], Object.keys(expected.targetConfig)))
    return `its target takes the configuration fields ${(built.targetConfig ?? []).join(', ')}, abi.json ${Object.keys(expected.targetConfig).join(', ')}`;
  if (!sameList(built.drain ?? [], expected.drain.fields))
    return `its drain gives ${(built.drain ?? []).join(', ')}, abi.json ${expected.drain.fields.join(', ')}`;
  return null;
}

/** Bytes of one record of a kind. */
export function recordBytes(kind: RecordKind): number {
  return abi.records[kind].bytes;
}

/** The offset of a record field, checked against the view it is read through (`f64` by Float64Array, ...). */
function indexOf(kind: RecordKind, name: string, type: string): number {
  const field = (abi.records[kind].fields as Record<string, { offset: number; type: string }>)[name]!;
  const size = TYPE_BYTES[type]!;
  if (field.type !== type || field.offset % size !== 0) throw new Error(`abi.json: records.${kind}.${name} is not an aligned ${type}`);
  return field.offset / size;
}

/**
 * The attempt record's fields as indices into a Float64Array and an Int32Array over a drained
 * buffer: `f64[k * F64_PER_RECORD + ATTEMPT.startMs]`. Worked out once from abi.json.
 */
export const ATTEMPT = {
  intendedMs: indexOf('attempt', 'intendedMs', 'f64'),
  startMs: indexOf('attempt', 'startMs', 'f64'),
  connectedMs: indexOf('attempt', 'connectedMs', 'f64'),
  firstByteMs: indexOf('attempt', 'firstByteMs', 'f64'),
  doneMs: indexOf('attempt', 'doneMs', 'f64'),
  atMs: indexOf('attempt', 'atMs', 'f64'),
  code: indexOf('attempt', 'code', 'i32'),
  status: indexOf('attempt', 'status', 'i32'),
  sourceIndex: indexOf('attempt', 'sourceIndex', 'i32'),
  bindNs: indexOf('attempt', 'bindNs', 'u32'),
  connectNs: indexOf('attempt', 'connectNs', 'u32'),
  synRetrans: indexOf('attempt', 'synRetrans', 'i32'),
} as const satisfies Partial<Record<AttemptField, number>>;
/** A u32 field that holds this was not called (the record's PC_NOT_CALLED). */
export const NOT_CALLED = 0xffffffff;
export const F64_PER_RECORD = abi.records.attempt.bytes / 8;
export const I32_PER_RECORD = abi.records.attempt.bytes / 4;

const LITTLE = endianness() === 'LE';

/** Reads one field of a socket-dump record (host byte order) at `base`. */
export function socketField(view: DataView, base: number, name: Exclude<SocketField, 'source' | 'destination'>): number | bigint {
  const field = abi.records.socket.fields[name];
  const at = base + field.offset;
  switch (field.type) {
    case 'u8':
      return view.getUint8(at);
    case 'u16':
      return view.getUint16(at, LITTLE);
    case 'u32':
      return view.getUint32(at, LITTLE);
    case 'u64':
      return view.getBigUint64(at, LITTLE);
    default:
      throw new Error(`abi.json: records.socket.${name} has type ${field.type}, not a number`);
  }
}

/** The byte offset of a socket record's address field (16 bytes; IPv4 in the first 4). */
export function socketAddressOffset(name: 'source' | 'destination'): number {
  return abi.records.socket.fields[name].offset;
}

/** The name of a negative outcome code, from abi.json. */
export const OUTCOME_CODES: ReadonlyMap<number, keyof typeof abi.outcomeCodes.codes> = new Map(
  Object.entries(abi.outcomeCodes.codes).map(([name, code]) => [code, name as keyof typeof abi.outcomeCodes.codes]),
);
