/**
 * Runs at most `concurrency` tasks at once and queues at most `maxQueue` more; past that,
 * {@link Limiter.run} answers 'busy' at once, so a burst is refused instead of piling up.
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly concurrency: number, private readonly maxQueue: number) {}

  run<T>(task: () => Promise<T>): Promise<T> | 'busy' {
    if (this.active < this.concurrency) {
      this.active++;
      return this.exec(task);
    }
    if (this.queue.length >= this.maxQueue) return 'busy';
    return new Promise<void>((resolve) => this.queue.push(resolve)).then(() => this.exec(task));
  }

  private async exec<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } finally {
      // A finished task hands its slot straight to the first waiter, so `active` never
      // dips and a newcomer cannot jump the queue in between.
      const next = this.queue.shift();
      if (next !== undefined) next();
      else this.active--;
    }
  }
}
