export { definePlugin, isPlugin } from './define-plugin.js';
export { PLUGIN_MARK } from './types.js';
export type { Plugin, PluginDefinition, PluginContext, StopFunction, HealthResult, MethodOptions, ListenOptions, MaybePromise } from './types.js';
export type { StandardSchemaV1 } from './standard-schema.js';
