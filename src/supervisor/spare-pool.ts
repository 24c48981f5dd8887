import { HostProcess } from './host-process.js';

/**
 * Plugin host processes started ahead of need. A restart takes a spare that has already paid
 * Node's start-up (and loaded what plugins import) instead of spawning one, which is what lets a
 * crashed plugin serve again faster than a fresh process can start. A new spare is spawned in the
 * background each time one is taken.
 *
 * Spares load the TypeScript loader ahead only while a configured plugin needs it (TypeScript is
 * compiled ahead unless it uses what a compiled module cannot keep): tsx's loader runs in a thread
 * of its own, about 30 MB of RSS that the host of any other plugin would carry for nothing after
 * its first restart.
 */
export class SparePool {
  private readonly idle = new Set<HostProcess>();
  private readonly booting = new Set<HostProcess>();
  private closed = false;
  private typescript = false;

  constructor(private readonly size: number, private readonly env: () => NodeJS.ProcessEnv) {}

  /**
   * Say whether spares should load the TypeScript loader ahead. Spares prepared the other way are
   * replaced: they would work, but either slower (loading tsx on demand) or heavier than needed.
   */
  prepareFor(options: { typescript: boolean }): void {
    if (options.typescript === this.typescript) return;
    this.typescript = options.typescript;
    for (const h of [...this.idle, ...this.booting]) h.kill();
    this.idle.clear();
    this.booting.clear();
  }

  fill(): void {
    while (!this.closed && this.idle.size + this.booting.size < this.size) {
      let host: HostProcess;
      try { host = new HostProcess(this.env(), { spare: true, typescript: this.typescript }); } catch { return; }
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
