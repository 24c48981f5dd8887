import { daemonReload, daemonStatus, daemonStop } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';

export function registerDaemonMethods(daemon: Daemon): void {
  daemon.registry.register(daemonStatus, () => daemon.statusText());
  daemon.registry.register(daemonReload, () => daemon.reload());
  daemon.registry.register(daemonStop, () => {
    // Answer first: stopping closes this very connection.
    setImmediate(() => daemon.requestStop('daemon.stop (ctl stop)'));
    return { stopping: true as const, pid: process.pid, within: daemon.stopWithin() };
  });
}
