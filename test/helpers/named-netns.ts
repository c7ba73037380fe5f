import { spawnSync } from 'node:child_process';

/** Runs `ip ...args`, throwing with its stderr when it fails. */
export function ip(...args: string[]): void {
  const out = spawnSync('ip', args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`ip ${args.join(' ')}: ${out.stderr || out.error?.message || `exit ${out.status}`}`);
}

/**
 * Named network namespaces for one test (`ip netns add`), unique to this process; `remove()`
 * deletes them, and with them every address, link and socket made inside. Only what this test
 * made is deleted, by name.
 */
export function makeNamespaces(prefix: string, count: number): { readonly names: string[]; remove(): void } {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${process.pid}-${i}`);
  const made: string[] = [];
  const remove = (): void => {
    for (const name of made.splice(0).reverse()) spawnSync('ip', ['netns', 'del', name]);
  };
  try {
    for (const name of names) {
      ip('netns', 'add', name);
      made.push(name);
      ip('-n', name, 'link', 'set', 'lo', 'up');
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { names, remove };
}
