import { daemonReload, daemonStatus, daemonStop } from './daemon.js';
import { eventsSubscribe } from './events.js';
import { logsFollow, logsReopen, logsRotate, logsTail } from './logs.js';
import { pluginsList, pluginsReload, pluginsRestart, pluginsScale, pluginsStart, pluginsStop } from './plugins.js';
import { rpcMethods } from './rpc.js';

/** Every core method, in the order `rpc.methods` lists them. */
export const coreMethods = [
  daemonStatus, daemonStop, daemonReload,
  logsRotate, logsReopen, logsTail, logsFollow,
  pluginsList, pluginsStart, pluginsStop, pluginsRestart, pluginsReload, pluginsScale,
  eventsSubscribe,
  rpcMethods,
] as const;

type CoreMethod = (typeof coreMethods)[number];

/** Core methods by name: the type the typed client is built from. */
export type CoreMethods = { [M in CoreMethod as M['name']]: M };
export type CoreMethodName = keyof CoreMethods;

export { daemonReload, daemonStatus, daemonStop, eventsSubscribe, logsFollow, logsReopen, logsRotate, logsTail, pluginsList, pluginsReload, pluginsRestart, pluginsScale, pluginsStart, pluginsStop, rpcMethods };
