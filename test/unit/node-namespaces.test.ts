// The namespaces a node watch reads, kept in step with a listing that changes: a fake source stands
// for /proc and the addon, so each case is exact.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetnsEntry } from '../../src/env/netns-list.js';
import { watchPlanOf } from '../../src/plan/watch-plan.js';
import { NodeNamespaces, type NamespaceSource } from '../../src/watch/node-namespaces.js';
import type { WatchDeps } from '../../src/watch/watcher.js';

const DEPS: WatchDeps = {
  dumper: { via: 'proc', seesBoundOnly: false, read: () => [] },
  readSysctls: () => Promise.resolve({}),
  nowMs: () => 0,
  wallClock: () => new Date(0),
  sleep: () => Promise.resolve(),
};

const entry = (inode: number, pid: number, own = false): NetnsEntry => ({
  inode,
  path: `/proc/${pid}/ns/net`,
  process: { pid, command: `p${pid}`, container: null, pod: null },
  own,
});

/** A node whose listing the test sets, whose opens it counts, and where a path may lead to another inode. */
function fakeNode(): { source: NamespaceSource; listing: NetnsEntry[]; open: Set<number>; redirect: Map<number, number> } {
  const open = new Set<number>();
  const redirect = new Map<number, number>();
  const node: { source: NamespaceSource; listing: NetnsEntry[]; open: Set<number>; redirect: Map<number, number> } = {
    listing: [],
    open,
    redirect,
    source: {
      list: () => node.listing,
      open: (e: NetnsEntry) => {
        const inode = redirect.get(e.inode) ?? e.inode;
        open.add(inode);
        return { inode, deps: DEPS, close: () => open.delete(inode) };
      },
    } satisfies NamespaceSource,
  };
  return node;
}

test('with --all-netns every refresh lists again: new namespaces opened, gone ones closed, labels taken again', () => {
  const node = fakeNode();
  const ns = new NodeNamespaces(watchPlanOf({ once: true }), { paths: [], all: true }, DEPS, node.source);
  node.listing = [entry(1, 10, true), entry(2, 20)];
  assert.deepEqual(ns.refresh(), { added: [1, 2], removed: [] });
  assert.deepEqual([...node.open], [2], "its own namespace needs no handle; another's is held");
  node.listing = [entry(1, 10, true), entry(2, 25), entry(3, 30)];
  assert.deepEqual(ns.refresh(), { added: [3], removed: [] });
  assert.deepEqual(
    ns.watchers.map((w) => [w.label?.inode, w.label?.pid]),
    [
      [1, 10],
      [2, 25],
      [3, 30],
    ],
    'the lowest pid of each, as it is now',
  );
  node.listing = [entry(1, 10, true), entry(3, 30)];
  assert.deepEqual(ns.refresh(), { added: [], removed: [2] });
  assert.deepEqual([...node.open], [3], "the gone namespace's handle is closed");
  ns.close();
  assert.deepEqual([...node.open], []);
});

test('a pid that leads to another namespace by the time it is opened is closed again and not read', () => {
  const node = fakeNode();
  const ns = new NodeNamespaces(watchPlanOf({ once: true }), { paths: [], all: true }, DEPS, node.source);
  node.listing = [entry(2, 20)];
  node.redirect.set(2, 99);
  assert.deepEqual(ns.refresh(), { added: [], removed: [] });
  assert.deepEqual([...node.open], []);
  assert.deepEqual(ns.watchers, []);
  node.redirect.clear();
  assert.deepEqual(ns.refresh(), { added: [2], removed: [] }, 'read once the listing and the opening agree');
});

test('one that cannot be opened is named with why, and tried again at the next refresh', () => {
  const node = fakeNode();
  let deny = true;
  const source: NamespaceSource = {
    list: node.source.list,
    open: (e) => {
      if (deny) throw Object.assign(new Error('setns: Operation not permitted'), { code: 'EPERM' });
      return node.source.open(e);
    },
  };
  const ns = new NodeNamespaces(watchPlanOf({ once: true }), { paths: [], all: true }, DEPS, source);
  node.listing = [entry(2, 20)];
  ns.refresh();
  assert.deepEqual(
    ns.unreadable.map((u) => [u.netns.inode, u.error]),
    [[2, 'setns: Operation not permitted (entering another namespace needs CAP_SYS_ADMIN)']],
  );
  deny = false;
  ns.refresh();
  assert.deepEqual(ns.unreadable, []);
  assert.deepEqual(ns.inodes, [2]);
});
