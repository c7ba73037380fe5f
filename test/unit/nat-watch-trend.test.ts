// watch's NAT mappings: their trend (the mappings a new SYN cannot take back, a second) and the
// seconds until they fill the rule's range; TIME_WAIT and CLOSE left out from Linux 6.5 on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchNatOf, type NatReading } from '../../src/watch/nat-watch.js';
import { renderWatchNat } from '../../src/report/watch-table.js';
import type { ConntrackSnapshot, NatMappings } from '../../src/result/conntrack.js';

const STATS = {
  found: 0,
  invalid: 0,
  insert: 0,
  insertFailed: 0,
  drop: 0,
  earlyDrop: 0,
  error: 0,
  searchRestart: 0,
  clashResolve: 0,
  chaintoolong: 0,
  cpus: 2,
};

function reading(byState: NatMappings['byState']): NatReading {
  const total = Object.values(byState).reduce((a, b) => a + (b ?? 0), 0);
  const conntrack: ConntrackSnapshot = {
    stats: STATS,
    natTotal: total,
    natByState: byState,
    other: 0,
    mappings: [{ natAddress: '198.19.0.1', destination: '198.19.128.1', port: 80, total, byState }],
    complete: true,
  };
  return { rules: [{ kind: 'snat', addresses: ['198.19.0.1', '198.19.0.1'], ports: [20000, 20009], flags: [] }], conntrack };
}

test('the pinned mappings grow 2 a second towards a 10-port range: 2 s to exhaustion; TIME_WAIT counts only before Linux 6.5', () => {
  const before = reading({ ESTABLISHED: 2, TIME_WAIT: 3 });
  const after = reading({ ESTABLISHED: 6, TIME_WAIT: 4 });
  const now = watchNatOf(after, { reading: before, atMs: 1000 }, 3000, 10, '6.18.44')!.mappings[0]!;
  assert.deepEqual([now.held, now.pinned, now.pinnedPerSec, now.exhaustionInSec], [10, 6, 2, 2]);
  const old = watchNatOf(after, { reading: before, atMs: 1000 }, 3000, 10, '6.1.0')!.mappings[0]!;
  assert.deepEqual([old.pinned, old.pinnedPerSec, old.exhaustionInSec], [10, 2.5, 0], 'before 6.5 TIME_WAIT holds its port: full now');
  const first = watchNatOf(after, null, 3000, 10, '6.18.44')!.mappings[0]!;
  assert.deepEqual([first.pinnedPerSec, first.exhaustionInSec], [null, null], 'no trend on a first read');
  const falling = watchNatOf(before, { reading: after, atMs: 1000 }, 3000, 10, '6.18.44')!.mappings[0]!;
  assert.deepEqual([falling.pinnedPerSec, falling.exhaustionInSec], [-2, null], 'not growing: no exhaustion ahead');
});

test("watch's table shows the NAT: the rule, conntrack's refusals and each (NAT address, destination) against its range", () => {
  const before = reading({ ESTABLISHED: 2, TIME_WAIT: 3 });
  const after = reading({ ESTABLISHED: 6, TIME_WAIT: 4 });
  const nat = watchNatOf(after, { reading: before, atMs: 1000 }, 3000, 10, '6.18.44')!;
  const text = renderWatchNat(nat);
  assert.match(text, /^NAT: snat to 198\.19\.0\.1:20000-20009 · conntrack insert_failed 0 \(0(\.0)?\/s\), drop 0, early_drop 0$/m);
  assert.match(text, /^ {2}198\.19\.0\.1\s+198\.19\.128\.1:80\s+10\s+100\.0 %\s+6\s+4\s+6\s+2(\.0)?\s+in 2(\.0)? ?s$/m);
  assert.match(renderWatchNat(watchNatOf(after, null, 3000, 10, '6.18.44')!), /– \(no trend yet\)/);
});
