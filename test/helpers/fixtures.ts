import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a file under test/fixtures (the tests run from dist/test/...). */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url));
}

/** Text of a fixture. */
export function fixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}
