/**
 * Memory of a server's processes, read from /proc (Linux): every process of a session (a server
 * started with setsid by bench/run.sh: nginx master and workers, Gatehouse and its workers).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The processes whose session id is `sid`. */
export function sessionPids(sid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after "(comm) ": state ppid pgrp session ...
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      if (Number(fields[3]) === sid) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Sum of a /proc/<pid>/status field (in KiB) over the processes, e.g. VmRSS or VmHWM. */
export function statusKiB(pids: number[], field: 'VmRSS' | 'VmHWM'): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      // ended
    }
  }
  return total;
}

/** Samples the session's summed VmRSS every `everyMs` until stopped; `peak` is the largest seen. */
export function sampleRss(sid: number, everyMs = 50): { stop(): { peakKiB: number; samples: number } } {
  let peakKiB = 0;
  let samples = 0;
  const pids = sessionPids(sid);
  const take = () => {
    peakKiB = Math.max(peakKiB, statusKiB(pids, 'VmRSS'));
    samples++;
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakKiB, samples };
    },
  };
}
