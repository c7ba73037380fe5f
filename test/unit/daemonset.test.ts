// The DaemonSet as shipped: the exporter on the node's own address, never 0.0.0.0, and a memory
// limit that covers the size docs/watch.md states from the measured fit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const YAML = readFileSync(new URL('../../../deploy/kubernetes/portchurn-watch-daemonset.yaml', import.meta.url), 'utf8');

test("the exporter listens on the node's address from the downward API, not on every interface", () => {
  const args = /^\s*args: \[(.*)\]$/m.exec(YAML)?.[1] ?? '';
  assert.match(args, /'--metrics-listen', '\$\(NODE_IP\):9323'/);
  // Comments may name 0.0.0.0; no line of the manifest itself does.
  const manifest = YAML.split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
  assert.doesNotMatch(manifest, /0\.0\.0\.0/);
  assert.match(YAML, /- name: NODE_IP\n\s+valueFrom: \{ fieldRef: \{ fieldPath: status\.hostIP \} \}/);
});

test('the memory limit covers 200,000 sockets and 300 namespaces by the stated sizing (128 MiB + 1 KiB a socket + 0.25 MiB a namespace)', () => {
  const mi = (text: string | undefined): number => Number(/^(\d+)Mi$/.exec(text ?? '')?.[1] ?? NaN);
  const limit = mi(/limits: \{ memory: (\d+Mi) \}/.exec(YAML)?.[1]);
  const request = mi(/requests: \{ cpu: \w+, memory: (\d+Mi) \}/.exec(YAML)?.[1]);
  const needed = 128 + (200_000 * 1) / 1024 + 300 * 0.25;
  assert.ok(limit >= needed, `limit ${limit} Mi < ${needed} Mi`);
  assert.ok(request >= 92, `request ${request} Mi below the 92 MB an idle exporter takes`);
});
