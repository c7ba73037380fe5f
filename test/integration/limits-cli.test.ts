import assert from 'node:assert/strict';
import { test } from 'node:test';
import { release } from 'node:os';
import { runCli } from '../helpers/cli.js';
import { CAN_UNSHARE } from '../helpers/netns.js';
import { prerequisite } from '../helpers/prereq.js';
import type { LimitsReport } from '../../src/result/limits-report.js';

test('portchurn limits --rate answers the planning question for this host, each profile and each OS', async () => {
  const out = await runCli(['limits', '--rate', '20000', '--close', 'client', '--json']);
  assert.equal(out.status, 0, out.stderr);
  const report = JSON.parse(out.stdout) as LimitsReport;
  const [low, high] = report.environment.sysctls['net.ipv4.ip_local_port_range']!.split(' ').map(Number);
  const host = report.rows.find((r) => r.name === 'this host')!;
  assert.equal(host.usablePorts, high! - low! + 1);
  assert.equal(host.sourcesNeeded, Math.ceil(20000 / ((high! - low! + 1) / 60)));
  assert.equal(report.rows.find((r) => r.name === 'profile narrow')!.sourcesNeeded, 1200);
  assert.deepEqual(
    report.rows.filter((r) => r.kind === 'os').map((r) => [r.name, r.sourcesNeeded]),
    [
      ['Linux defaults', 43],
      ['macOS defaults', 37],
      ['FreeBSD defaults', 22],
      ['Windows defaults', 147],
    ],
  );
  assert.ok(
    report.loopback.ipv4.every((p) => p.ok),
    'all of 127/8 answers on Linux',
  );
  assert.equal(report.loopback.ipv6Other, false, 'IPv6 loopback is ::1 alone');
  // The default sweep's path, and Linux's fast budget beside the range's.
  assert.equal(report.question.portMode, 'nobind');
  assert.equal(host.fastPerSourcePerSec, Math.floor((high! - low! + 1) / 2) / 60);
  assert.equal(report.rows.find((r) => r.name === 'Windows defaults')!.fastPerSourcePerSec, null);
});

test("limits probes this kernel's port search in a namespace of its own, and --no-probe leaves it out", async (t) => {
  if (!prerequisite(t, CAN_UNSHARE, 'needs root and unshare -n for private network namespaces')) return;
  const out = await runCli(['limits', '--json']);
  assert.equal(out.status, 0, out.stderr);
  const report = JSON.parse(out.stdout) as LimitsReport;
  assert.ok(report.portSearch, report.portSearchWhy ?? '');
  assert.equal(report.portSearch.kernel, release());
  assert.ok(report.slowCallUs !== null && report.slowCallUs > report.portSearch.connect.fastUs, `${report.slowCallUs} µs`);
  const text = await runCli(['limits']);
  assert.match(text.stdout, /probed in a namespace of its own in [\d,]+ ms: connect\(\) /);
  assert.match(text.stdout, /Above [\d,.]+ a source here, a connect\(\) costs about [\d,.]+ µs/);
  const unprobed = JSON.parse((await runCli(['limits', '--no-probe', '--json'])).stdout) as LimitsReport;
  assert.equal(unprobed.portSearch, null);
  assert.equal(unprobed.portSearchWhy, 'not probed (--no-probe)');
});

test('limits plans for nobind: with the address fixed and the port left to connect(), ports count per destination', async () => {
  const ask = async (mode: string): Promise<LimitsReport> => {
    const out = await runCli(['limits', '--rate', '20000', '--port-mode', mode, '--destinations', '4', '--json']);
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout) as LimitsReport;
  };
  const [bind, nobind] = [await ask('bind'), await ask('nobind')];
  assert.equal(nobind.question.portMode, 'nobind');
  const narrow = (r: LimitsReport) => r.rows.find((row) => row.name === 'profile narrow')!;
  // narrow: 1,000 ports held 60 s. bind() reserves a port towards every destination; nobind reuses it per destination.
  assert.equal(narrow(bind).perSourcePerSec, 1000 / 60);
  assert.equal(narrow(nobind).perSourcePerSec, (4 * 1000) / 60);
  assert.equal(narrow(bind).sourcesNeeded, 1200);
  assert.equal(narrow(nobind).sourcesNeeded, 300);
  const linux = (r: LimitsReport) => r.rows.find((row) => row.name === 'Linux defaults')!;
  assert.equal(linux(nobind).sourcesNeeded, Math.ceil(linux(bind).sourcesNeeded! / 4));
});

test('limits in text, and its bad input', async () => {
  const text = await runCli(['limits', '--rate', '5000']);
  assert.equal(text.status, 0);
  assert.match(text.stdout, /ip_local_port_range\s+\d+ \d+ \([\d,]+ ports\)/);
  assert.match(text.stdout, /Windows defaults\s+16,384\s+120 s/);
  const bad = await runCli(['limits', '--rate', 'lots']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--rate must be a positive number/);
  const doctor = await runCli(['doctor', '--need', 'everything']);
  assert.equal(doctor.status, 2);
  assert.match(doctor.stderr, /--need 'everything'/);
});

test('limits --nat: NAT addresses per system for a rate and for connections open at once; an unknown NAT exits 2', async () => {
  const out = await runCli([
    'limits',
    '--no-probe',
    '--nat',
    'aws-nat-gateway,linux-masquerade',
    '--rate',
    '20000',
    '--open',
    '100000',
    '--destinations',
    '2',
    '--json',
  ]);
  assert.equal(out.status, 0, out.stderr);
  const report = JSON.parse(out.stdout) as LimitsReport;
  const [aws, linux] = report.nat!.rows;
  assert.equal(aws!.profile.name, 'aws-nat-gateway');
  // 10,000/s to each destination over 55,000 mappings held 60 s (916.7/s an address): 11, over AWS's 8.
  assert.equal(aws!.addressesForRate, 11);
  assert.equal(aws!.overMax, true);
  assert.equal(aws!.addressesForOpen, 1, '50,000 open to each destination fit one address');
  assert.equal(linux!.profile.name, 'linux-masquerade');
  assert.equal(linux!.addressesForOpen, 1);
  const text = await runCli(['limits', '--no-probe', '--nat', 'all', '--rate', '5000']);
  assert.match(text.stdout, /^Behind a NAT: 5,000 new connections\/s to 1 destination/m);
  assert.match(text.stdout, /gcp-cloud-nat\s+64\s+120 s/);
  const bad = await runCli(['limits', '--no-probe', '--nat', 'carrier-grade']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--nat carrier-grade: one of linux-masquerade, aws-nat-gateway/);
});
