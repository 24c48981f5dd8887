/**
 * The typed client for scripts: `import { connect } from 'agentd/client'`.
 *
 * ```ts
 * const client = await connect({ home: '/var/lib/agentd' });
 *
 * // Status: typed from the method declarations (DaemonStatus).
 * const status = await client.call('daemon.status');
 * console.log(status.plugins.map((p) => `${p.name} ${p.state}`));
 *
 * // Subscribe to events: state changes, restarts, rotations.
 * client.on('event', (e) => console.log(e.type, e.plugin ?? ''));
 * await client.call('events.subscribe', { types: ['plugin.'] });
 *
 * // Follow logs: the last 10 lines of image-server's log, then each new line as it is written.
 * client.on('log', (line) => console.log(line.source, line.level, line.message));
 * const { history } = await client.call('logs.follow', { plugin: 'image-server', lines: 10 });
 * history.forEach((line) => console.log(line.source, line.level, line.message));
 *
 * // Call a plugin method: its result type is yours to state.
 * const stats = await client.call<{ requests: number; bytes: number }>('image-server.stats');
 * console.log(`${stats.requests} requests, ${stats.bytes} bytes served`);
 *
 * // With several instances, one of them answers (round robin); `#n` picks instance n.
 * const first = await client.call<{ requests: number }>('image-server#1.stats');
 *
 * client.close(); // ends the streams
 * ```
 */
export { connect, AgentdClient, type ConnectOptions, type Notifications, type StallCheck } from './client.js';
export type { PluginMethod, PluginMethodName } from './method-names.js';
export { AgentdError, isAgentdError, ExitCode } from '../errors/index.js';
export type { AgentdEvent, DaemonStatus, ExitInfo, LogEntry, MethodInfo, PluginRow, PluginState, ReloadResult } from '../rpc/wire-types.js';
export type { CoreMethodName, CoreMethods } from '../rpc/methods/index.js';
export type { ParamsIn, ResultOf } from '../rpc/descriptor.js';
