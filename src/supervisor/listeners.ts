import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { loadAddon } from '../native/addon.js';

interface Listener {
  fd: number;
  host: string;
  port: number;
  /** The plugin's settings generation that last asked for it (see {@link ListenerPool.releaseStale}). */
  generation: number;
}

/** The plugin whose socket holds each port, to name it when another plugin is configured on the same one. */
const portOwners = new Map<number, string>();

/**
 * A plugin's listening sockets, opened and held by the core. The core never polls them, so it
 * never accepts a connection itself; each plugin process gets a duplicate and accepts on it. While
 * a plugin restarts, the socket stays in LISTEN state here: clients queue in the backlog instead of
 * being refused, and instances of one plugin share the port.
 */
export class ListenerPool {
  private readonly listeners = new Map<string, Listener>();

  constructor(private readonly plugin: string) {}

  /**
   * The fd for `host:port`, opened on first request. Port 0 picks a free port once, then keeps it.
   * `generation` is that of the settings the asking process was started with.
   */
  acquire(host: string, port: number, backlog: number, generation: number): number {
    const key = keyOf(host, port);
    const existing = this.listeners.get(key);
    if (existing) {
      existing.generation = Math.max(existing.generation, generation);
      return existing.fd;
    }
    const addon = loadAddon();
    let fd: number;
    try {
      fd = addon.listenTcp(host, port, backlog);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const owner = portOwners.get(port);
      const hint = code === 'EADDRINUSE' && owner !== undefined && owner !== this.plugin ? `plugin ${owner} already listens on port ${port}; give one of them another port`
        : code === 'EADDRINUSE' ? 'the address is already in use; free the port or change the plugin\'s port'
        : code === 'EACCES' ? 'permission denied; ports below 1024 need privileges' : describeError(e);
      throw errors.pluginListen(`${host}:${port}`, `${code ?? 'error'}: ${hint}`, { cause: e, data: { plugin: this.plugin } });
    }
    this.listeners.set(key, { fd, host, port, generation });
    if (port !== 0) portOwners.set(port, this.plugin);
    return fd;
  }

  /**
   * Close the sockets that only processes of an older generation asked for and that no process
   * still holds (`inUse`): the port a config change moved away from. A socket the current
   * generation asked for stays open while its processes restart, so clients wait instead of
   * being refused.
   */
  releaseStale(generation: number, inUse: ReadonlySet<string>): void {
    const keep = new Set(inUse);
    for (const [key, l] of this.listeners) if (l.generation >= generation) keep.add(key);
    this.release(keep);
  }

  /** Close every socket not in `keep` (keys as returned by {@link keyOf}); all when `keep` is absent. */
  release(keep?: ReadonlySet<string>): void {
    for (const [key, l] of this.listeners) {
      if (keep?.has(key)) continue;
      try { loadAddon().closeFd(l.fd); } catch { /* already closed */ }
      this.listeners.delete(key);
      if (portOwners.get(l.port) === this.plugin) portOwners.delete(l.port);
    }
  }

  /**
   * Close the sockets asked for on a given port; a port-0 one stays, so that the plugin keeps the
   * address it was given (and clients found) when it is started again.
   */
  releaseFixedPorts(): void {
    this.release(new Set([...this.listeners].filter(([, l]) => l.port === 0).map(([key]) => key)));
  }

  get size(): number {
    return this.listeners.size;
  }
}

export function keyOf(host: string, port: number): string {
  return `${host}|${port}`;
}
