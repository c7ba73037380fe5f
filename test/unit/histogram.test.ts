import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLatencyHistogram, decodeHistogram, encodeHistogram, summarize } from '../../src/result/histogram.js';

test('an encoded histogram decodes to the summary it states', () => {
  const h = createLatencyHistogram();
  for (let i = 1; i <= 10_000; i++) h.recordValue(i * 37);
  h.recordValue(2_500_000);
  const encoded = encodeHistogram(h);
  const decoded = decodeHistogram(encoded.hdr);
  assert.deepEqual(summarize(decoded), encoded.summary);
  assert.equal(encoded.summary.count, 10_001);
  assert.ok(encoded.summary.p50Us > 180_000 && encoded.summary.p50Us < 190_000);
  assert.ok(encoded.summary.p99Us <= encoded.summary.maxUs);
});

test('decoded histograms merge exactly', () => {
  const a = createLatencyHistogram();
  const b = createLatencyHistogram();
  for (let i = 0; i < 100; i++) a.recordValue(100);
  for (let i = 0; i < 300; i++) b.recordValue(900);
  const merged = decodeHistogram(encodeHistogram(a).hdr);
  merged.add(decodeHistogram(encodeHistogram(b).hdr));
  assert.equal(merged.totalCount, 400);
  assert.equal(summarize(merged).p50Us, summarize(b).p50Us);
});

test('an empty histogram summarises as zeros', () => {
  assert.deepEqual(encodeHistogram(createLatencyHistogram()).summary, {
    count: 0,
    minUs: 0,
    p50Us: 0,
    p90Us: 0,
    p99Us: 0,
    p999Us: 0,
    maxUs: 0,
    meanUs: 0,
  });
});
