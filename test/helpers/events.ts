import type { AgentdClient, AgentdEvent } from '../../src/client/index.js';

/**
 * Records every event from the moment it is created, so a test can trigger an action and then
 * wait for the event it causes without a race (events that came first are found too).
 */
export class EventRecorder {
  readonly events: AgentdEvent[] = [];
  private waiters: Array<{ match: (e: AgentdEvent) => boolean; resolve: (e: AgentdEvent) => void }> = [];

  static async attach(client: AgentdClient, types?: string[]): Promise<EventRecorder> {
    const recorder = new EventRecorder();
    client.on('event', (e) => recorder.push(e));
    await client.call('events.subscribe', types ? { types } : {});
    return recorder;
  }

  /** The first recorded event after index `from` matching `match`, waiting for it up to `timeoutMs`. */
  next(match: (e: AgentdEvent) => boolean, timeoutMs = 30_000, from = 0): Promise<AgentdEvent> {
    const found = this.events.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`no matching event within ${timeoutMs} ms; saw: ${this.events.slice(from).map((e) => `${e.type}:${e.plugin ?? ''}:${e.to ?? ''}`).join(' ')}`));
      }, timeoutMs);
      const done = (e: AgentdEvent) => { clearTimeout(timer); resolve(e); };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Wait for plugin `plugin` (instance 0 by default) to enter `state`, counting from index `from`. */
  state(plugin: string, state: string, timeoutMs = 30_000, from = 0): Promise<AgentdEvent> {
    return this.next((e) => e.type === 'plugin.state' && e.plugin === plugin && e.to === state, timeoutMs, from);
  }

  /**
   * Wait until plugin `plugin` is in `state`: already seen as an event, already its state now (the
   * recorder subscribed before this look, so nothing falls between), or the next such event.
   */
  async reached(client: AgentdClient, plugin: string, state: string, timeoutMs = 30_000, from = 0): Promise<{ pid: number | null }> {
    const seen = this.events.slice(from).find((e) => e.type === 'plugin.state' && e.plugin === plugin && e.to === state);
    if (seen) return { pid: seen.pid ?? null };
    const row = (await client.call('plugins.list')).find((r) => r.plugin === plugin && r.instance === 0);
    if (row?.state === state) return { pid: row.pid };
    const e = await this.state(plugin, state, timeoutMs, from);
    return { pid: e.pid ?? null };
  }

  get mark(): number {
    return this.events.length;
  }

  private push(e: AgentdEvent): void {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.match(e)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(e);
      }
    }
  }
}
