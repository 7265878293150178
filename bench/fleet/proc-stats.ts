import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (almost always 100 on Linux). */
export const clockTicks: number = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
})();

/** Resident memory of a process from /proc/<pid>/status: now (VmRSS) and its peak (VmHWM), in bytes. */
export function readMemory(pid: number): { rssBytes: number; peakBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), peakBytes: kb('VmHWM') };
}

/** CPU time a process has used so far (user + system), in seconds, from /proc/<pid>/stat. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so utime (field 14) and stime (field 15) are rest[11] and rest[12].
  return (Number(rest[11]) + Number(rest[12])) / clockTicks;
}

/** Sum of {@link readCpuSeconds} over processes; ones that have already exited count as 0. */
export function totalCpuSeconds(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += readCpuSeconds(pid);
    } catch {
      // gone: nothing more to count
    }
  }
  return sum;
}

/** A CPU meter over a window: call `stop()` for the % of one core used since it was made. */
export function cpuMeter(pids: () => readonly number[]): { stop(): number } {
  const startCpu = totalCpuSeconds(pids());
  const startWall = performance.now();
  return {
    stop() {
      const wallS = (performance.now() - startWall) / 1000;
      return wallS > 0 ? ((totalCpuSeconds(pids()) - startCpu) / wallS) * 100 : 0;
    },
  };
}

/** This process's soft limit on open files, from /proc/self/limits (children inherit it); undefined if unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return undefined;
    return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * The kernel's count of connections dropped because a listen queue was full (TcpExt ListenDrops in
 * /proc/net/netstat, for this network namespace). A rise while workers connect means the hub's accept backlog
 * overflowed and those clients waited for a SYN retransmit or their own backoff. Undefined if unreadable.
 */
export function readListenDrops(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = lines[i]?.split(/\s+/) ?? [];
    const values = lines[i + 1]?.split(/\s+/) ?? [];
    const at = names.indexOf('ListenDrops');
    return at > 0 ? Number(values[at]) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts counting {@link readListenDrops}; `stop()` gives the rise since, or null when unreadable. */
export function listenDropMeter(): { stop(): number | null } {
  const start = readListenDrops();
  return {
    stop() {
      const end = readListenDrops();
      return start === undefined || end === undefined ? null : end - start;
    },
  };
}
