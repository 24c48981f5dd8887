import { HostProcess } from './host-process.js';

/**
 * Plugin host processes started ahead of need. A restart takes a spare that has already paid
 * Node's start-up (and loaded the TypeScript loader) instead of spawning one, which is what lets a
 * crashed plugin serve again faster than a fresh process can start. A new spare is spawned in the
 * background each time one is taken.
 */
export class SparePool {
  private readonly idle = new Set<HostProcess>();
  private readonly booting = new Set<HostProcess>();
  private closed = false;

  constructor(private readonly size: number, private readonly env: () => NodeJS.ProcessEnv) {}

  fill(): void {
    while (!this.closed && this.idle.size + this.booting.size < this.size) {
      let host: HostProcess;
      try { host = new HostProcess(this.env(), { spare: true }); } catch { return; }
      this.booting.add(host);
      host.once('message', (m) => {
        if (m.t !== 'idle') return;
        this.booting.delete(host);
        if (host.alive && !this.closed) this.idle.add(host);
      });
      host.once('exit', () => {
        this.booting.delete(host);
        this.idle.delete(host);
      });
      // Drain its output so a chatty spare cannot block on a full pipe.
      host.stdout.resume();
      host.stderr.resume();
      host.logStream.resume();
    }
  }

  /** An idle spare, or null when none is ready; the pool refills itself. */
  take(): HostProcess | null {
    const [host] = this.idle;
    if (!host) return null;
    this.idle.delete(host);
    host.stdout.pause();
    host.stderr.pause();
    host.logStream.pause();
    host.removeAllListeners('exit');
    setImmediate(() => this.fill());
    return host;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.idle, ...this.booting];
    for (const h of all) h.kill();
    await Promise.all(all.map((h) => h.exited));
    this.idle.clear();
    this.booting.clear();
  }
}
