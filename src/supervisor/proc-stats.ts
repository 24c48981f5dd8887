import fs from 'node:fs';

const PAGE_SIZE = 4096;
// USER_HZ is 100 on every Linux ABI Node runs on.
const CLOCK_TICKS = 100;

export interface ProcSample {
  rss: number;
  /** utime + stime in ticks. */
  ticks: number;
  /** Process state letter (R, S, Z, T…). */
  state: string;
  at: number;
}

/** One read of /proc/PID/stat: RSS, CPU ticks and state; null when the process is gone. */
export function sampleProcess(pid: number): ProcSample | null {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return null; }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    state: fields[0] ?? '?',
    ticks: Number(fields[11]) + Number(fields[12]),
    rss: Number(fields[21]) * PAGE_SIZE,
    at: Date.now(),
  };
}

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(before: ProcSample, after: ProcSample): number {
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return 0;
  return Math.round(((after.ticks - before.ticks) / CLOCK_TICKS / seconds) * 1000) / 10;
}
