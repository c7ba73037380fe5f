// src/native/api/abi.json -> src/native/api/gen/abi.h: the C side of the one description of what crosses
// between JavaScript and the addon. scripts/build-native.mjs runs it before node-gyp; the tests
// run abiHeader() on a changed description to see the compiler refuse a layout it does not match.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ABI_JSON = fileURLToPath(new URL('../src/native/api/abi.json', import.meta.url));
export const ABI_HEADER = fileURLToPath(new URL('../src/native/api/gen/abi.h', import.meta.url));

/** `portMode` -> `PORT_MODE`, `kernel` -> `KERNEL`. */
const upper = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const FIELD_TYPES = new Set(['endpoints', 'listen', 'addresses', 'enum', 'range', 'ports', 'bytes', 'bool', 'int', 'number']);
const RECORD_TYPES = new Set(['u8', 'u16', 'u32', 'u64', 'i32', 'f64', 'addr16']);

/** A C double literal of a JSON number. */
function literal(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`abi.json: ${n} is not a finite number`);
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** A `#define NAME(X)` list, one entry per line. */
function xmacro(name, entries) {
  return `#define ${name}(X) \\\n${entries.map((e) => `  X(${e})`).join(' \\\n')}\n`;
}

/** The header's text for a parsed abi.json. */
export function abiHeader(abi) {
  const out = [
    '/* Generated from src/native/api/abi.json by scripts/native-abi.mjs at npm install: do not edit. */',
    '#ifndef PC_ABI_GEN_H',
    '#define PC_ABI_GEN_H',
    '',
    `#define PC_ABI_VERSION ${abi.version}`,
    '',
    '/* Outcome codes of an attempt record: 0 a complete response, > 0 an errno, < 0 these. */',
    '#define PC_OK 0',
    ...Object.entries(abi.outcomeCodes.codes).map(([name, code]) => `#define PC_${name} (${code})`),
    '',
  ];
  // The engine's configuration (start) and the target's (targetStart): X(ID, "name", TYPE, min, max, nullable).
  for (const [section, prefix] of [
    ['config', 'PC_CONFIG'],
    ['targetConfig', 'PC_TARGET_CONFIG'],
  ]) {
    const fields = Object.entries(abi[section]).map(([name, f]) => {
      if (!FIELD_TYPES.has(f.type)) throw new Error(`abi.json: ${section}.${name} has unknown type ${f.type}`);
      return `${upper(name)}, "${name}", ${f.type.toUpperCase()}, ${literal(f.min ?? 0)}, ${literal(f.max ?? 0)}, ${f.nullable ? 1 : 0}`;
    });
    out.push(`/* ${section}: X(ID, "name", TYPE, min, max, nullable) */`);
    out.push(xmacro(`${prefix}_FIELDS`, fields));
    for (const [name, f] of Object.entries(abi[section])) {
      if (f.type !== 'enum') continue;
      out.push(`/* ${section}.${name}: X(ID, "value", index) */`);
      out.push(
        xmacro(
          `${prefix}_${upper(name)}_VALUES`,
          f.values.map((v, i) => `${upper(v)}, "${v}", ${i}`),
        ),
      );
    }
  }
  for (const [name, record] of Object.entries(abi.records)) {
    const id = upper(name);
    out.push(`/* ${record.struct}: ${record.bytes} bytes; X(jsName, c_field, TYPE, offset) */`);
    out.push(`#define PC_${id}_RECORD_BYTES ${record.bytes}`);
    out.push(`#define PC_${id}_RECORD_STRUCT ${record.struct}`);
    const entries = Object.entries(record.fields).map(([js, f]) => {
      if (!RECORD_TYPES.has(f.type)) throw new Error(`abi.json: records.${name}.${js} has unknown type ${f.type}`);
      return `${js}, ${f.c}, ${f.type.toUpperCase()}, ${f.offset}`;
    });
    out.push(xmacro(`PC_${id}_RECORD_FIELDS`, entries));
  }
  out.push('/* What drain() returns: X(ID, "name") */');
  out.push(
    xmacro(
      'PC_DRAIN_FIELDS',
      abi.drain.fields.map((f) => `${upper(f)}, "${f}"`),
    ),
  );
  out.push('#endif', '');
  return out.join('\n');
}

/** Writes src/native/api/gen/abi.h from src/native/api/abi.json (or `header` from `json`). */
export function writeAbiHeader(json = ABI_JSON, header = ABI_HEADER) {
  const text = abiHeader(JSON.parse(readFileSync(json, 'utf8')));
  mkdirSync(dirname(header), { recursive: true });
  writeFileSync(header, text);
  return header;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeAbiHeader();
