import type { Daemon } from '../daemon.js';
import { registerDaemonMethods } from './daemon.js';
import { registerEventsMethods } from './events.js';
import { registerLogsMethods } from './logs.js';
import { registerPluginsMethods } from './plugins.js';
import { registerRpcMethods } from './rpc.js';

/** Every core method, registered from its descriptor (see src/rpc/methods). */
export function registerCoreMethods(daemon: Daemon): void {
  registerDaemonMethods(daemon);
  registerLogsMethods(daemon);
  registerPluginsMethods(daemon);
  registerEventsMethods(daemon);
  registerRpcMethods(daemon);
}
