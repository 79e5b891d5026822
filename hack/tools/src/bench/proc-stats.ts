// CPU and memory of processes from Linux /proc, for the processes the benchmark cannot ask itself:
// the operator and the local control plane's components.
import { readFileSync } from 'node:fs';

const USER_HZ = 100;

/** utime + stime in seconds, threads included; undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** Current (VmRSS) and peak (VmHWM) resident memory in MiB; undefined when the process is gone. */
export function memoryMb(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Busy CPU seconds of the whole machine (all but idle and iowait). */
export function machineCpuSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / USER_HZ;
}

/** CPU seconds of each named process at one moment, to subtract from a later reading. */
export type CpuReading = Map<string, number>;

export function readCpu(pids: ReadonlyMap<string, number>): CpuReading {
  const out: CpuReading = new Map();
  for (const [name, pid] of pids) {
    const cpu = cpuSeconds(pid);
    if (cpu !== undefined) out.set(name, cpu);
  }
  out.set('machine', machineCpuSeconds());
  return out;
}

/** Cores used per name between two readings `seconds` apart (names missing from either are left out). */
export function coresBetween(before: CpuReading, after: CpuReading, seconds: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start !== undefined) out.set(name, (end - start) / seconds);
  }
  return out;
}
