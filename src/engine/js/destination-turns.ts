/**
 * Which destination each attempt goes to: every source goes round the destinations on its own
 * turn, so each (source, destination) pair gets its share. One turn for all would tie source i to
 * destination i whenever the counts share a factor (2 sources and 2 destinations: half the pairs,
 * half the 4-tuple space the run claims). The native engine does the same in engine/conn.c.
 */
export function destinationTurns(destinations: number): (sourceIndex: number) => number {
  const next: number[] = [];
  return (sourceIndex) => {
    const turn = next[sourceIndex] ?? 0;
    next[sourceIndex] = (turn + 1) % destinations;
    return turn;
  };
}
