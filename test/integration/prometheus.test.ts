import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ExporterRead } from '../../src/watch/exporter.js';
import { BIN } from '../helpers/cli.js';
import { engineReady } from '../helpers/engines.js';
import { followOutput, pollUntilAsync } from '../helpers/events.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import { SCENE } from '../helpers/watch-scene-spec.js';
import { freePort } from '../../src/env/free-port.js';
import { makeNatScene } from '../../src/nat/scene.js';
import { holdConnections, holdingServer, TEN_PORTS } from '../helpers/nat-scene.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCENE_JS = fileURLToPath(new URL('../helpers/watch-scene.js', import.meta.url));
const SCENE_ENV = { ...process.env, WATCH_SCENE_OUTER_NETNS: readlinkSync('/proc/self/ns/net') };
const has = (cmd: string): boolean => spawnSync(cmd, ['--version']).status === 0;
const [A, B] = SCENE.destinations;

/** An instant query through Prometheus' HTTP API: [labels, value, timestamp] for each series. */
async function query(api: string, expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const params = new URLSearchParams({ query: expr, ...(time === undefined ? {} : { time: String(time) }) });
  const body = (await (await fetch(`${api}/api/v1/query?${params}`)).json()) as {
    status: string;
    error?: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, 'success', `${expr}: ${body.error ?? ''}`);
  return body.data.result;
}

test("a real Prometheus scrapes watch --all-netns --metrics-listen: each scene namespace's groups with their exact counts and watch's own time to exhaustion, promtool check metrics passes, every dashboard query answers, and a run's live counters show", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for the scene namespaces')) return;
  if (!prerequisite(t, has('prometheus') && has('promtool'), "needs Debian's prometheus package (prometheus and promtool)")) return;
  if (!engineReady(t, 'native')) return;
  const dir = mkdtempSync(join(tmpdir(), 'portchurn-prometheus-'));
  const children: ChildProcess[] = [];
  const start = (cmd: string, args: string[], env?: NodeJS.ProcessEnv): ReturnType<typeof followOutput> => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    children.push(child);
    return followOutput(child);
  };
  t.after(() => {
    // Every process this test started, by its pid; then the temporary directory.
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  // Two "pods": namespaces with known TIME_WAIT towards two destinations, the first driven at a steady rate.
  const driven = start('unshare', ['-n', process.execPath, SCENE_JS, 'hold'], SCENE_ENV);
  const still = start('unshare', ['-n', process.execPath, SCENE_JS, 'still'], SCENE_ENV);
  await driven.printed('"ready":true', 60_000);
  await still.printed('"ready":true', 60_000);
  const inode = (pid: number): string => String(statSync(`/proc/${pid}/ns/net`).ino);
  const drivenNs = inode(children[0]!.pid!);
  const stillNs = inode(children[1]!.pid!);

  // A NAT: a 10-port snat router with 10 connections held through it from a pod, and a process
  // in the router's namespace so --all-netns lists it (it finds namespaces by their processes).
  if (!prerequisite(t, has('nft') && has('conntrack'), 'needs nft and conntrack (apt-get install nftables conntrack) for the NAT scene'))
    return;
  const nat = await makeNatScene({ ...TEN_PORTS, destinationPorts: [80] });
  t.after(() => nat.remove());
  const natServer = await holdingServer(nat);
  t.after(() => natServer.stop());
  const natClient = await holdConnections(nat, [{ pod: nat.plan.pods[0]!, host: nat.plan.servers[0]!, port: 80, count: 10 }]);
  t.after(() => natClient.release());
  assert.deepEqual(natClient.counts, [{ established: 10, unanswered: 0 }]);
  const natHolder = start('ip', ['netns', 'exec', nat.router, process.execPath, '-e', "console.log('in'); setInterval(() => {}, 1e9);"]);
  await natHolder.printed('in', 15_000);
  const routerNs = String(statSync(`/run/netns/${nat.router}`).ino);

  // The exporter over every namespace of this node, and a run with its live counters.
  const exporterPort = await freePort();
  const exporter = start(process.execPath, [
    BIN,
    'watch',
    '--all-netns',
    '--metrics-listen',
    `127.0.0.1:${exporterPort}`,
    '--interval',
    '1s',
  ]);
  await exporter.printed('serving', 30_000);
  const runPort = await freePort();
  const runner = start(process.execPath, [
    BIN,
    'run',
    '-d',
    '40s',
    '--rate',
    '200',
    '--metrics-listen',
    `127.0.0.1:${runPort}`,
    '--quiet',
    '--out',
    dir,
  ]);

  // promtool checks what a scrape in the text format gives (it reads no OpenMetrics); Prometheus
  // itself asks for OpenMetrics first, so the stored series below are that format's.
  const scrape = await (await fetch(`http://127.0.0.1:${exporterPort}/metrics`, { headers: { accept: 'text/plain' } })).text();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8' });
  assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
  const open = await fetch(`http://127.0.0.1:${exporterPort}/metrics`, { headers: { accept: 'application/openmetrics-text' } });
  assert.match(open.headers.get('content-type')!, /^application\/openmetrics-text/);
  assert.match(await open.text(), /# EOF\n$/);

  // Debian's prometheus with a configuration and storage of the test's own, scraping both every second.
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${join(ROOT, 'deploy/prometheus/portchurn-rules.yml')}']`,
      'scrape_configs:',
      `  - { job_name: portchurn-watch, static_configs: [{ targets: ['127.0.0.1:${exporterPort}'] }] }`,
      `  - { job_name: portchurn-run, static_configs: [{ targets: ['127.0.0.1:${runPort}'] }] }`,
      '',
    ].join('\n'),
  );
  start('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);
  const api = `http://127.0.0.1:${promPort}`;
  await pollUntilAsync('prometheus to be ready', 60_000, async () => (await fetch(`${api}/-/ready`).catch(() => null))?.ok === true, 200);
  // Three reads stored: rates exist, and the driven group has a time to exhaustion.
  await pollUntilAsync('three stored reads with a time to exhaustion', 60_000, async () => {
    const seq = await query(api, 'portchurn_watch_read_sequence');
    const due = await query(api, `portchurn_watch_exhaustion_seconds{netns="${drivenNs}",destination="${A.host}"}`);
    return Number(seq[0]?.value[1] ?? 0) >= 3 && due.length === 1;
  });

  // One scrape, one read: the stored series at the scrape's timestamp against the exporter's JSON of that read.
  const [seq] = await query(api, 'portchurn_watch_read_sequence');
  const at = seq!.value[0];
  const sequence = Number(seq!.value[1]);
  const read = (await (await fetch(`http://127.0.0.1:${exporterPort}/reads?sequence=${sequence}`)).json()) as ExporterRead;
  assert.equal(read.sequence, sequence);
  const sampleOf = (ns: string) => read.node.samples.find((s) => String(s.netns?.inode) === ns)!;
  for (const [ns, destinations] of [
    [drivenNs, [A, B]],
    [stillNs, [A, B]],
  ] as const) {
    const sample = sampleOf(ns);
    assert.ok(sample, `the exporter read namespace ${ns}`);
    for (const d of destinations) {
      const group = sample.groups.find((g) => g.destination === d.host && g.destinationPort === d.port)!;
      const tw = await query(
        api,
        `portchurn_watch_sockets{netns="${ns}",destination="${d.host}",destination_port="${d.port}",state="time_wait"}`,
        at,
      );
      assert.equal(Number(tw[0]!.value[1]), group.timeWait, `TIME_WAIT towards ${d.host} in ${ns}`);
      const held = await query(api, `portchurn_watch_ports_held{netns="${ns}",destination="${d.host}"}`, at);
      assert.equal(Number(held[0]!.value[1]), group.held);
    }
  }
  // The still namespace's counts are the scene's exactly; its groups are not at any rate.
  assert.deepEqual(
    sampleOf(stillNs)
      .groups.map((g) => [g.destination, g.timeWait, g.exhaustionInSec])
      .sort(),
    [
      [A.host, A.timeWait, null],
      [B.host, B.timeWait, null],
    ],
  );
  assert.equal((await query(api, `portchurn_watch_exhaustion_seconds{netns="${stillNs}"}`, at)).length, 0, 'absent when not at this rate');
  // The driven group's time to exhaustion, as Prometheus stored it, is watch's own for the same read.
  const drivenGroup = sampleOf(drivenNs).groups.find((g) => g.destination === A.host)!;
  const due = await query(api, `portchurn_watch_exhaustion_seconds{netns="${drivenNs}",destination="${A.host}"}`, at);
  assert.ok(drivenGroup.exhaustionInSec !== null && drivenGroup.exhaustionInSec > 0);
  assert.ok(
    Math.abs(Number(due[0]!.value[1]) - drivenGroup.exhaustionInSec) < 1e-9,
    `${due[0]!.value[1]} vs ${drivenGroup.exhaustionInSec}`,
  );
  // Its namespace, named and up.
  const info = await query(api, `portchurn_watch_namespace_info{netns="${drivenNs}"}`, at);
  assert.equal(info[0]!.metric.pid, String(children[0]!.pid));
  assert.equal(Number((await query(api, `portchurn_watch_namespace_up{netns="${drivenNs}"}`, at))[0]!.value[1]), 1);

  // The router's NAT, as Prometheus stored it: 10 of its 10 ports held towards the server.
  const natLabels = `netns="${routerNs}",nat_address="198.19.0.1",destination="${nat.plan.servers[0]}",destination_port="80"`;
  await pollUntilAsync(
    'the NAT mappings stored',
    30_000,
    async () => (await query(api, `portchurn_watch_nat_mappings_held{${natLabels}}`)).length === 1,
  );
  assert.equal(Number((await query(api, `portchurn_watch_nat_mappings_held{${natLabels}}`))[0]!.value[1]), 10);
  assert.equal(Number((await query(api, `portchurn_watch_nat_range_ports{${natLabels}}`))[0]!.value[1]), 10);
  assert.equal(Number((await query(api, `portchurn_watch_nat_held_ratio{${natLabels}}`))[0]!.value[1]), 1);
  // 10 established mappings (none a new SYN can take back) against 10 ports: exhausted now.
  assert.equal(Number((await query(api, `portchurn_watch_nat_exhaustion_seconds{${natLabels}}`))[0]!.value[1]), 0);
  assert.equal((await query(api, `portchurn_watch_conntrack_insert_failed{netns="${routerNs}"}`)).length, 1);

  // Every query of the dashboard answers with data.
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/portchurn-watch.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const expr = target.expr.replace(/\$netns/g, '.*').replace(/\$__rate_interval/g, '5s');
      assert.ok((await query(api, expr)).length > 0, `the panel "${panel.title}" has data: ${expr}`);
    }
  }

  // A run's live counters, scraped by the same Prometheus.
  await pollUntilAsync('the run to have succeeded attempts stored', 30_000, async () => {
    const ok = await query(api, 'portchurn_run_ok_total');
    return Number(ok[0]?.value[1] ?? 0) > 0;
  });
  assert.ok((await query(api, 'portchurn_run_latency_seconds_count')).length > 0);

  runner.stdout(); // the run is stopped with the rest: its load is bounded and its result is not asserted here
  for (const scene of [children[0]!, children[1]!]) scene.stdin!.end();
});
