/**
 * The rotations of one file, one at a time: each waits for the previous one and for the
 * background compression it started, so that the shift of `x.k` never races a gzip of `x.1`.
 */
export class RotationQueue {
  /** Rotations queued or running. */
  queued = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private compression: Promise<void> | null = null;

  /** Nothing queued and nothing compressing: a rotation could run right now. */
  get idle(): boolean {
    return this.queued === 0 && this.compression === null;
  }

  run<T>(step: () => T): Promise<T> {
    this.queued++;
    const result = this.tail.then(async () => {
      if (this.compression) await this.compression;
      return step();
    }).finally(() => { this.queued--; });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Track a compression started by a rotation; `job` must not reject. */
  background(job: Promise<void>): void {
    this.compression = job;
    void job.then(() => { if (this.compression === job) this.compression = null; });
  }

  async settled(): Promise<void> {
    while (!this.idle) {
      await this.tail;
      await this.compression;
    }
  }
}
