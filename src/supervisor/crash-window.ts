/**
 * Restarts within a sliding window: the crash-loop detector. When `limit` restarts have already
 * happened within `windowMs`, the next one is refused and the plugin is given up on (`failed`).
 */
export class CrashWindow {
  private times: number[] = [];

  constructor(private limit: number, private windowMs: number) {}

  /** Record a restart at `now` if the window allows one; false means give up. */
  tryRecord(now: number): boolean {
    this.times = this.times.filter((t) => now - t < this.windowMs);
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }

  count(now: number): number {
    return this.times.filter((t) => now - t < this.windowMs).length;
  }

  reset(): void {
    this.times = [];
  }

  configure(limit: number, windowMs: number): void {
    this.limit = limit;
    this.windowMs = windowMs;
  }
}
