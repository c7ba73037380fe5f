import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import {
  createGrowingLatencyHistogram,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  summarize,
} from '../../src/result/histogram.js';
import { mergeSeconds } from '../../src/engine/load-snapshot.js';

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

test("a small second's histogram, decoded, takes another's far larger values (merging seconds across workers)", () => {
  const small = createGrowingLatencyHistogram();
  small.recordValue(300);
  const large = createGrowingLatencyHistogram();
  large.recordValue(2_000_000);
  const a = decodeHistogram(encodeIntoCompressedBase64(small));
  a.add(decodeHistogram(encodeIntoCompressedBase64(large)));
  assert.equal(a.totalCount, 2);
  assert.equal(a.getValueAtPercentile(100), large.getValueAtPercentile(100));
  const merged = mergeSeconds([
    [{ second: 0, attempts: 1, ok: 1, errors: {}, latency: { totalUs: encodeIntoCompressedBase64(small) } }],
    [{ second: 0, attempts: 1, ok: 1, errors: {}, latency: { totalUs: encodeIntoCompressedBase64(large) } }],
  ]);
  assert.equal(decodeHistogram(merged[0]!.latency!.totalUs!).totalCount, 2);
});
