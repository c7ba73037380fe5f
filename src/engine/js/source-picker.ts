import type { PortRange } from '../../plan/ports.js';

/** Where one connection comes from. `address` null: the kernel chooses (kernel mode). `port` 0: the kernel chooses. */
export interface SourceChoice {
  readonly sourceIndex: number;
  readonly address: string | null;
  readonly port: number;
}

/** Chooses a source for each attempt; stateful but deterministic. */
export interface SourcePicker {
  next(): SourceChoice;
}

/**
 * Round-robin over the source addresses. In explicit mode each address has its own cursor over
 * `ports`, skipping `skipPorts` (ports something listens on: bind() would fail there), so a
 * port is reused for an address only after the whole range went round. Why cycle rather than
 * let bind() choose: a bind(addr, 0) reserves the port for every destination, while a port we
 * choose is tied to the full 4-tuple, as IP_BIND_ADDRESS_NO_PORT would do.
 */
export function createSourcePicker(
  addresses: readonly string[],
  ports: PortRange | null,
  skipPorts: ReadonlySet<number> = new Set(),
): SourcePicker {
  if (addresses.length === 0) {
    const kernel: SourceChoice = { sourceIndex: 0, address: null, port: 0 };
    return { next: () => kernel };
  }
  let turn = 0;
  if (ports === null) {
    const choices = addresses.map((address, sourceIndex): SourceChoice => ({ sourceIndex, address, port: 0 }));
    return {
      next: () => {
        const choice = choices[turn]!;
        turn = (turn + 1) % choices.length;
        return choice;
      },
    };
  }
  const usable: number[] = [];
  for (let p = ports.low; p <= ports.high; p++) if (!skipPorts.has(p)) usable.push(p);
  if (usable.length === 0) throw new RangeError(`every port of ${ports.low}-${ports.high} is skipped`);
  const cursors = addresses.map(() => 0);
  return {
    next: () => {
      const sourceIndex = turn;
      turn = (turn + 1) % addresses.length;
      const cursor = cursors[sourceIndex]!;
      cursors[sourceIndex] = (cursor + 1) % usable.length;
      return { sourceIndex, address: addresses[sourceIndex]!, port: usable[cursor]! };
    },
  };
}
