// npm run schemas: writes schemas/<name>.schema.json, the JSON Schema of each kind of document
// portchurn writes, generated from its TypeScript type (src/result/result-schemas.ts lists them)
// by ts-json-schema-generator. Objects admit no property the type does not declare, so a field
// added to a result without its type (and so without the schema) fails validation.
// `--check`: writes nothing, exits 1 naming each schema that differs from what the types give.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = fileURLToPath(new URL('..', import.meta.url));
const { RESULT_SCHEMA_TYPES, SCHEMAS_DIR, schemaId } = await import(new URL('../dist/src/result/result-schemas.js', import.meta.url).href);

/** Each schema, keyed by name: the type's definition at the top, with $id, and its definitions. */
export function generateResultSchemas() {
  const generator = createGenerator({
    path: `${root}src/result/*.ts`,
    tsconfig: `${root}tsconfig.json`,
    skipTypeCheck: true,
    additionalProperties: false,
    sortProps: true,
    expose: 'export',
    jsDoc: 'extended',
  });
  const out = {};
  for (const [name, type] of Object.entries(RESULT_SCHEMA_TYPES)) {
    const { $schema, definitions } = generator.createSchema(type);
    const { [type]: top, ...rest } = definitions;
    out[name] = {
      $schema,
      $id: schemaId(name),
      title: `portchurn ${name} result (${type})`,
      ...top,
      definitions: rest,
    };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = [];
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  for (const [name, schema] of Object.entries(generateResultSchemas())) {
    const path = `${SCHEMAS_DIR}${name}.schema.json`;
    const text = `${JSON.stringify(schema, null, 2)}\n`;
    const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (old === text) continue;
    if (check) stale.push(path);
    else writeFileSync(path, text);
  }
  if (stale.length > 0) {
    process.stderr.write(`schemas out of date (run npm run schemas): ${stale.join(', ')}\n`);
    process.exit(1);
  }
}
