import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** A process that lives in a network namespace: how an operator knows which pod or service it is. */
export interface NetnsProcess {
  readonly pid: number;
  /** /proc/PID/comm. */
  readonly command: string;
  /** A container id (64 hex digits) its cgroup path names, or null. */
  readonly container: string | null;
  /** A Kubernetes pod uid its cgroup path names, or null. */
  readonly pod: string | null;
}

/** A network namespace of this node, as `watch --netns` and `--all-netns` read it. */
export interface NetnsEntry {
  /** Its id: the inode of its ns file (`net:[4026531840]`). */
  readonly inode: number;
  /** What to open to enter it: /proc/PID/ns/net of a process in it, or the path given. */
  readonly path: string;
  /** The process with the lowest pid in it; null when none was found (a bind-mounted /run/netns/NAME with no process). */
  readonly process: NetnsProcess | null;
  /** True for the namespace this process is in (read without entering anything). */
  readonly own: boolean;
}

/**
 * The container and pod a cgroup path names, as container runtimes write them: a 64-hex id
 * (docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope, /docker/<id>) and a pod uid
 * (kubepods-...-pod<uid with _>.slice or /kubepods/.../pod<uid>/). Pure.
 */
export function containerOf(cgroup: string): { container: string | null; pod: string | null } {
  const containers = [...cgroup.matchAll(/(?:^|[/-])([0-9a-f]{64})(?:\.scope)?(?:$|[/\n])/gm)].map((m) => m[1]!);
  const pod = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})/.exec(cgroup)?.[1]?.replace(/_/g, '-') ?? null;
  return { container: containers.at(-1) ?? null, pod };
}

/** The inode of a `net:[N]` link, or null. */
function inodeOfLink(link: string): number | null {
  const m = /^net:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : null;
}

function processOf(pid: number, proc: string): NetnsProcess {
  const read = (file: string): string => {
    try {
      return readFileSync(`${proc}/${pid}/${file}`, 'utf8');
    } catch {
      return '';
    }
  };
  return { pid, command: read('comm').trim() || '?', ...containerOf(read('cgroup')) };
}

/** Every process's namespace inode that can be read (others' need ptrace access to them), lowest pid first. */
function processesByInode(proc: string): Map<number, number> {
  const byInode = new Map<number, number>();
  const pids = readdirSync(proc)
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    let inode: number | null;
    try {
      inode = inodeOfLink(readlinkSync(`${proc}/${pid}/ns/net`));
    } catch {
      continue; // gone, or not ours to look at
    }
    if (inode !== null && !byInode.has(inode)) byInode.set(inode, pid);
  }
  return byInode;
}

/** The inode of this process's own network namespace. */
export function ownNetnsInode(proc = '/proc'): number {
  return inodeOfLink(readlinkSync(`${proc}/self/ns/net`)) ?? -1;
}

/** Every distinct network namespace a process of this node is in, found through /proc/PID/ns/net, this one first. */
export function listNetns(proc = '/proc'): NetnsEntry[] {
  const own = ownNetnsInode(proc);
  const entries = [...processesByInode(proc)].map(([inode, pid]): NetnsEntry => ({
    inode,
    path: `${proc}/${pid}/ns/net`,
    process: processOf(pid, proc),
    own: inode === own,
  }));
  return entries.sort((a, b) => Number(b.own) - Number(a.own) || a.inode - b.inode);
}

/** A namespace named by a path (/run/netns/NAME, /proc/PID/ns/net), with a process in it when one is found. */
export function netnsOfPath(path: string, proc = '/proc'): NetnsEntry {
  const inode = statSync(path).ino;
  const pid = processesByInode(proc).get(inode);
  return { inode, path, process: pid === undefined ? null : processOf(pid, proc), own: inode === ownNetnsInode(proc) };
}

/** This process's own network namespace, as an entry. */
export function ownNetns(proc = '/proc'): NetnsEntry {
  return { inode: ownNetnsInode(proc), path: `${proc}/self/ns/net`, process: processOf(process.pid, proc), own: true };
}
