import { rpcMethods } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';

export function registerRpcMethods(daemon: Daemon): void {
  daemon.registry.register(rpcMethods, () => daemon.registry.list());
}
