import { PLUGIN_MARK, type Plugin, type PluginDefinition } from './types.js';

/**
 * Declare a plugin. The module's default export must be the result:
 *
 * ```ts
 * import { definePlugin } from 'agentd';
 * export default definePlugin({
 *   name: 'hello',
 *   defaults: { greeting: 'hello' },
 *   start(ctx) {
 *     ctx.rpc('greet', () => ctx.config.greeting);
 *     const timer = setInterval(() => ctx.log.info(ctx.config.greeting), 1000);
 *     return () => clearInterval(timer);
 *   },
 * });
 * ```
 *
 * See {@link PluginDefinition} for the lifecycle. The shape is checked when the plugin host loads
 * the module, before any of its code runs: a wrong shape is an `E_PLUGIN_SHAPE` error.
 */
export function definePlugin<Config extends object>(definition: PluginDefinition<Config>): Plugin<Config> {
  return Object.freeze({ ...definition, [PLUGIN_MARK]: 1 as const });
}

/** True for a value made by {@link definePlugin}, from any copy of the package. */
export function isPlugin(value: unknown): value is Plugin<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLUGIN_MARK] === 1;
}
