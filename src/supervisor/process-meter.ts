import { cpuPercent, sampleTree, type ProcSample } from './proc-stats.js';

/**
 * CPU and RSS of one plugin instance (its process and all below it), sampled once a second, and
 * the memory-limit rule: two samples in a row over the limit (a momentary spike, a GC or a burst,
 * is not a leak).
 */
export class ProcessMeter {
  cpu: number | null = null;
  private last: ProcSample | null = null;
  private lastPid: number | null = null;
  private strikes = 0;

  get rss(): number | null {
    return this.last?.rss ?? null;
  }

  /** Take a sample of `pid` (null: nothing to measure); true when it is over `limit` the second time running. */
  sample(pid: number | null, limit: number | null): boolean {
    if (pid === null) { this.reset(); return false; }
    // A new process (a restart while starting) is not measured against the old one's ticks,
    // which gave `ctl status` negative CPU.
    if (pid !== this.lastPid) this.reset();
    this.lastPid = pid;
    const next = sampleTree(pid);
    if (next && this.last) this.cpu = cpuPercent(this.last, next);
    this.last = next;
    if (limit === null || !next) return false;
    this.strikes = next.rss > limit ? this.strikes + 1 : 0;
    if (this.strikes < 2) return false;
    this.strikes = 0;
    return true;
  }

  reset(): void {
    this.last = null;
    this.lastPid = null;
    this.cpu = null;
    this.strikes = 0;
  }
}
