import { fromWire } from '../client/rpc-error.js';
import { loadAddon } from '../native/addon.js';
import { HOST_FDS, type CoreToHost, type HostToCore } from './protocol.js';

type Waiter = { resolve(fd: number): void; reject(e: Error): void };

/** The host's end of the IPC channel to the core. */
export class IpcChannel {
  private nextId = 1;
  private readonly listenWaiters = new Map<number, Waiter>();

  constructor(onMessage: (m: CoreToHost) => void) {
    process.on('message', (m: CoreToHost) => {
      if (m.t === 'listen-ok' || m.t === 'listen-error') this.settleListen(m);
      else onMessage(m);
    });
  }

  send(message: HostToCore): void {
    if (process.connected) process.send?.(message);
  }

  /** Ask the core for a listening socket; the fd itself arrives on the fd-passing socketpair. */
  requestListener(host: string, port: number, backlog: number): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.listenWaiters.set(id, { resolve, reject });
      this.send({ t: 'listen', id, host, port, backlog });
    });
  }

  private settleListen(m: Extract<CoreToHost, { t: 'listen-ok' | 'listen-error' }>): void {
    const waiter = this.listenWaiters.get(m.id);
    if (!waiter) return;
    this.listenWaiters.delete(m.id);
    if (m.t === 'listen-error') return waiter.reject(fromWire(m.error));
    // The core sent the fd before answering, so it is already waiting on the socketpair.
    try { waiter.resolve(loadAddon().recvFd(HOST_FDS.fdPass)); } catch (e) { waiter.reject(e as Error); }
  }
}
