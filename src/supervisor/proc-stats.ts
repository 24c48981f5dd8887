import { descendantsOf, statFields } from './proc-tree.js';

const PAGE_SIZE = 4096;
// USER_HZ is 100 on every Linux ABI Node runs on.
const CLOCK_TICKS = 100;

export interface ProcSample {
  rss: number;
  /** utime + stime + cutime + cstime in ticks. */
  ticks: number;
  at: number;
}

/**
 * A plugin's figures: its process and every process below it, as a unit's under systemd. RSS is
 * summed (pages two of them share count twice); CPU ticks include what exited children used
 * (cutime and cstime), so that a child's time moves into its parent's total when it is reaped
 * instead of vanishing from the sum. Null when the root is gone.
 */
export function sampleTree(root: number): ProcSample | null {
  const fields = statFields(root);
  if (!fields) return null;
  const sample = { ticks: ticksOf(fields), rss: rssOf(fields), at: Date.now() };
  for (const pid of descendantsOf(root)) {
    const f = statFields(pid);
    if (!f) continue; // exited meanwhile: its time is in its parent's cutime by the next sample
    sample.ticks += ticksOf(f);
    sample.rss += rssOf(f);
  }
  return sample;
}

// utime, stime, cutime, cstime; rss in pages.
const ticksOf = (f: string[]): number => Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
const rssOf = (f: string[]): number => Number(f[21]) * PAGE_SIZE;

/** CPU use between two samples, in percent of one core. */
export function cpuPercent(before: ProcSample, after: ProcSample): number {
  const seconds = (after.at - before.at) / 1000;
  if (seconds <= 0) return 0;
  return Math.round(((after.ticks - before.ticks) / CLOCK_TICKS / seconds) * 1000) / 10;
}
