import { readdirSync, readFileSync } from 'node:fs';
import { killQuietly } from '../fleet/cleanup.js';
import { clockTicks } from '../fleet/proc-stats.js';

/** The parent pid of a process from /proc/<pid>/stat, or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 4 (ppid) is the second after the command name, which is in parentheses and may hold spaces.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * Every live descendant of a process (children, their children...). Synchronous so a cleanup running from an
 * `exit` handler can use it: agents run in their own process groups, so killing a worker alone leaves them.
 */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** SIGKILLs a process and everything it started (descendants first, so none is re-parented and missed). */
export function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const child of descendants(pid).reverse()) killQuietly(child);
  killQuietly(pid);
}

/** CPU time in seconds, split into user (JavaScript, V8, SQLite's C) and system (the kernel: pipes, sockets, files). */
export interface CpuTimes {
  user: number;
  system: number;
}

/** The summed CPU times of some processes (from /proc/<pid>/stat); ones already gone count as 0. */
export function readCpuTimes(pids: readonly number[]): CpuTimes {
  const out = { user: 0, system: 0 };
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name: rest[11] is utime (field 14), rest[12] stime (field 15), in clock ticks.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.user += Number(rest[11]) / clockTicks;
      out.system += Number(rest[12]) / clockTicks;
    } catch {
      // gone: nothing more to count
    }
  }
  return out;
}

/** Jiffies of the whole machine from /proc/stat: busy (not idle or iowait) and total. */
export function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** A meter of how busy all cores were together since it was made: `stop()` gives % of the whole machine. */
export function machineBusyMeter(): { stop(): number } {
  const start = machineJiffies();
  return {
    stop() {
      const end = machineJiffies();
      const total = end.total - start.total;
      return total > 0 ? ((end.busy - start.busy) / total) * 100 : 0;
    },
  };
}

/** Dirty and under-writeback page cache from /proc/meminfo, in bytes: data written but not yet on disk. */
export function unwrittenBytes(): number {
  const info = readFileSync('/proc/meminfo', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(info)?.[1] ?? 0);
  return (kb('Dirty') + kb('Writeback')) * 1024;
}
