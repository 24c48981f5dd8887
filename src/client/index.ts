/**
 * The typed client for scripts: `import { connect } from 'agentd/client'`.
 *
 * ```ts
 * const client = await connect({ home: '/var/lib/agentd' });
 * const status = await client.call('daemon.status');
 * client.on('event', (e) => console.log(e.type, e.plugin));
 * await client.call('events.subscribe', { types: ['plugin.'] });
 * const stats = await client.call<{ requests: number }>('image-server#1.stats'); // instance 1 only
 * ```
 */
export { connect, AgentdClient, type ConnectOptions, type Notifications, type PluginMethodName } from './client.js';
export { AgentdError, isAgentdError, ExitCode } from '../errors/index.js';
export type { AgentdEvent, DaemonStatus, ExitInfo, LogEntry, MethodInfo, PluginRow, PluginState, ReloadResult } from '../rpc/wire-types.js';
export type { CoreMethodName, CoreMethods } from '../rpc/methods/index.js';
export type { ParamsIn, ResultOf } from '../rpc/descriptor.js';
