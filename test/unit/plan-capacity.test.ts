import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planCapacity, type CapacityRowInput } from '../../src/limits/plan-capacity.js';

const linux: CapacityRowInput = {
  name: 'Linux',
  usablePorts: 28232,
  holdSec: 60,
  destinations: 1,
  portMode: 'bind',
  close: 'client',
  ratePerSec: 20000,
  linuxSearch: true,
};

test('sources needed = ceil(rate x hold / ports)', () => {
  const p = planCapacity(linux);
  assert.ok(Math.abs(p.perSourcePerSec! - 470.53) < 0.01);
  assert.equal(p.sourcesNeeded, 43); // 20,000 / 470.53 = 42.5
  assert.equal(p.portsNeededOneSource, null, '1.2 million ports do not fit one address');
  assert.equal(planCapacity({ ...linux, ratePerSec: 100 }).portsNeededOneSource, 6000);
  assert.equal(planCapacity({ ...linux, ratePerSec: 400 }).sourcesNeeded, 1);
});

test('hand-worked rows for other systems and settings', () => {
  const table: [Partial<CapacityRowInput>, number][] = [
    [{ usablePorts: 16384, holdSec: 30 }, 37], // macOS: 546/s a source
    [{ usablePorts: 16384, holdSec: 120 }, 147], // Windows: 136.5/s a source
    [{ usablePorts: 55536, holdSec: 60 }, 22], // FreeBSD: 925.6/s a source
    [{ usablePorts: 1000, holdSec: 60 }, 1200], // narrow
    [{ holdSec: 1, portMode: 'kernel' }, 1], // tcp_tw_reuse
    [{ portMode: 'kernel', destinations: 4 }, 11], // connect() counts destinations
    [{ portMode: 'bind', destinations: 4 }, 43], // bind() does not
  ];
  for (const [override, sources] of table)
    assert.equal(planCapacity({ ...linux, ...override }).sourcesNeeded, sources, JSON.stringify(override));
});

test('server close and reset are not port-bound: one source', () => {
  for (const close of ['server', 'reset', 'keepalive'] as const) {
    const p = planCapacity({ ...linux, close });
    assert.equal(p.perSourcePerSec, null);
    assert.equal(p.sourcesNeeded, 1);
  }
  assert.equal(planCapacity({ ...linux, ratePerSec: null }).sourcesNeeded, null);
});

test("Linux's fast budget: half the range per destination a hold for connect(), a quarter for bind(); none for other systems", () => {
  const nobind = planCapacity({ ...linux, portMode: 'nobind' });
  assert.ok(Math.abs(nobind.fastPerSourcePerSec! - 14116 / 60) < 1e-9, '235.3/s, not 470.5');
  assert.equal(nobind.fastSourcesNeeded, 86); // 20,000 / 235.27 = 85.01
  assert.equal(planCapacity({ ...linux, portMode: 'nobind', destinations: 4 }).fastSourcesNeeded, 22);
  const bind = planCapacity({ ...linux, destinations: 4 });
  assert.ok(Math.abs(bind.fastPerSourcePerSec! - 7058 / 60) < 1e-9, 'bind: a quarter, destinations not counted');
  assert.equal(bind.fastSourcesNeeded, 171);
  const other = planCapacity({ ...linux, usablePorts: 16384, holdSec: 30, linuxSearch: false });
  assert.equal(other.fastPerSourcePerSec, null);
  assert.equal(other.fastSourcesNeeded, null);
  assert.equal(planCapacity({ ...linux, close: 'server' }).fastPerSourcePerSec, null);
});
