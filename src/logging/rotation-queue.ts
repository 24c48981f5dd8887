/**
 * The rotations of one file, one at a time, and the gzip jobs they start, one at a time behind
 * them. A rotation never waits for a gzip: each job finds its generation again by inode when it
 * ends (compressGeneration), so generations may shift while it runs, and a size rotation is
 * never held back while a burst keeps the live file growing.
 */
export class RotationQueue {
  /** Rotations queued or running. */
  queued = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private compressions: Promise<void> = Promise.resolve();
  private compressing = 0;

  /** No rotation queued or running: one could run right now. */
  get idle(): boolean {
    return this.queued === 0;
  }

  run<T>(step: () => T): Promise<T> {
    this.queued++;
    const result = this.tail.then(step).finally(() => { this.queued--; });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Queue a gzip job behind the ones already started; `job` must not reject. */
  background(job: () => Promise<void>): void {
    this.compressing++;
    this.compressions = this.compressions.then(job).finally(() => { this.compressing--; });
  }

  async settled(): Promise<void> {
    while (this.queued > 0 || this.compressing > 0) {
      await this.tail;
      await this.compressions;
    }
  }
}
