/**
 * agentd's public API for plugin authors: `import { definePlugin } from 'agentd'`.
 * Scripts that talk to a running daemon use `agentd/client` instead.
 */
export { definePlugin, isPlugin } from './plugin-api/index.js';
export type { Plugin, PluginDefinition, PluginContext, StopFunction, HealthResult, MethodOptions, ListenOptions, MaybePromise, StandardSchemaV1 } from './plugin-api/index.js';
export { AgentdError, isAgentdError, errors, ExitCode, type WireError } from './errors/index.js';
