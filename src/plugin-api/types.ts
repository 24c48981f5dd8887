import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'winston';
import type { StandardSchemaV1 } from './standard-schema.js';

/** What `stop` functions and handlers may return. */
export type MaybePromise<T> = T | Promise<T>;

/** The function `start` returns: it undoes everything `start` did, gracefully, within the stop timeout. */
export type StopFunction = () => MaybePromise<void>;

/** A health check's answer: `true` (or nothing) is healthy; `false` or a string (the reason) is not. */
export type HealthResult = boolean | string | void;

/** Describes a method a plugin exposes on the control socket, for `rpc.methods`. */
export interface MethodOptions {
  /** One sentence on what the method does. */
  summary?: string;
  /**
   * JSON Schema (2020-12 unless its `$schema` names draft 4, 7 or 2019-09) of the named params.
   * It is enforced: a call whose params do not match is answered with -32602 naming each bad
   * field (`params.name: must be a string`), and the handler is not called. A schema that is not
   * valid (an unknown keyword, a value of the wrong type, a bad `pattern`, a `$ref` to nothing)
   * makes `ctx.rpc` throw `E_PLUGIN_METHOD_INVALID`, which fails the plugin's start. Without it,
   * params are passed to the handler unchecked (as `{}` when the caller sent none).
   */
  params?: Record<string, unknown>;
  /**
   * JSON Schema of what the handler returns: documentation for callers, listed by `rpc.methods`
   * and `ctl rpc --schema` (OpenRPC). It is not checked against the handler's answers. Without
   * it the result is listed as `{}` (anything).
   */
  result?: Record<string, unknown>;
}

/** Where and how `ctx.listen` binds. */
export interface ListenOptions {
  port: number;
  /** Defaults to 127.0.0.1: a plugin listens on loopback unless it says otherwise. */
  host?: string;
  backlog?: number;
}

/**
 * Everything a running plugin gets from agentd. One context per plugin process; it lives from
 * `start(ctx)` until the stop function has returned.
 */
export interface PluginContext<Config> {
  /** The plugin's name (its key under `plugins` in the config). */
  readonly name: string;
  /** This process's instance number, 0 to `instances - 1`. */
  readonly instance: number;
  /** The merged and validated config: the plugin's `defaults`, overlaid by the config file's `config`. */
  readonly config: Readonly<Config>;
  /**
   * A winston logger whose lines land in `logs/<name>.log`, beside the plugin's stdout and stderr:
   * those at the plugin's `logLevel` (a config setting, `info` by default) and above.
   */
  readonly log: Logger;
  /** Aborted when agentd begins to stop this plugin; pass it to anything that should end then. */
  readonly signal: AbortSignal;
  /** The daemon's home directory (`AGENTD_HOME`). */
  readonly home: string;
  /** A directory for this plugin's disposable files (`$AGENTD_HOME/cache/<name>`), created on first use. */
  readonly cacheDir: string;
  /**
   * Expose `handler` on the control socket as `<name>.<method>`. Call it from `start`; the method
   * is callable once the plugin is ready, and a call after that throws `E_PLUGIN_METHOD_INVALID`
   * (so does a name already exposed). Method names are lowercase words joined by dots or dashes.
   * Declare `options.params` to have the params checked before `handler` sees them.
   */
  rpc<P = Record<string, unknown>, R = unknown>(method: string, handler: (params: P) => MaybePromise<R>, options?: MethodOptions): void;
  /**
   * Listen on `host:port` through the core: the core opens the listening socket once and keeps it
   * across restarts and instances, so clients queue instead of being refused while this plugin
   * restarts, and several instances share one port. Resolves once `server` is listening.
   */
  listen(server: Server, options: ListenOptions): Promise<AddressInfo>;
  /** Say the plugin is ready, for plugins declared with `readiness: 'manual'`. */
  ready(): void;
  /** Register the health check agentd polls (see `healthCheck` in the config); one per plugin, from `start`. */
  health(check: () => MaybePromise<HealthResult>): void;
}

/**
 * A plugin, as passed to {@link definePlugin}.
 *
 * The lifecycle, in order (the supervisor runs it in a child process of its own):
 * 1. **load**: the module is imported; nothing should happen at import time but declarations.
 * 2. **config**: `defaults` are deep-merged with the config file's `config` (objects merge, arrays
 *    and other values replace), then checked by `schema` (whose output becomes `ctx.config`) and by
 *    `validate`. Problems fail the start with the path of each bad field, e.g.
 *    `plugins.image-server.config.port: must be <= 65535`.
 * 3. **start**: `start(ctx)` runs. It must return within the plugin's `startTimeout`
 *    (`E_PLUGIN_START_TIMEOUT` otherwise: `ctx.signal` is aborted, and the process gets
 *    `stopTimeout` to exit before SIGKILL). A throw fails the start; the error reaches `ctl status`,
 *    its stack the plugin's log, and the restart policy applies.
 * 4. **ready**: the plugin is ready when `start` resolves, or, with `readiness: 'manual'`, when it
 *    calls `ctx.ready()`. Only then is it `running`, and its RPC methods callable.
 * 5. **stop**: `ctx.signal` is aborted, then the function `start` returned is called. It has
 *    `stopTimeout` to finish; then SIGKILL goes to the plugin's whole process group. If `start`
 *    failed after acquiring resources, the process exits and the OS reclaims them.
 *
 * Processes the plugin starts live as long as its process, no longer, including ones that called
 * setsid() or daemonized (the plugin's process adopts those as a child subreaper). A stop sends
 * them SIGTERM once the stop function has returned and waits for them, within `stopTimeout`; when
 * the process exits any other way, every descendant gets SIGKILL.
 */
export interface PluginDefinition<Config extends object> {
  /** Lowercase letters, digits and dashes; must equal the plugin's key in the config. */
  name: string;
  /** Every setting with its default; also what `ctx.config` is typed from. */
  defaults: Config;
  /** Checks (and may transform) the merged config. Any Standard Schema library works (valibot, zod, …). */
  schema?: StandardSchemaV1<unknown, Config>;
  /** Extra checks on the validated config: return a problem (or several) to refuse it. */
  validate?: (config: Readonly<Config>) => string | string[] | undefined | void;
  /** `'start'` (default): ready when `start` resolves. `'manual'`: ready when `ctx.ready()` is called. */
  readiness?: 'start' | 'manual';
  /** Start the plugin; return the function that stops it (or nothing, if there is nothing to undo). */
  start: (ctx: PluginContext<Config>) => MaybePromise<StopFunction | void>;
}

/** The global symbol that marks a {@link definePlugin} result, shared across copies of the package. */
export const PLUGIN_MARK: unique symbol = Symbol.for('agentd.plugin') as never;

/** The value `definePlugin` returns: the definition, frozen and marked as a plugin. */
export type Plugin<Config extends object = Record<string, unknown>> = Readonly<PluginDefinition<Config>> & {
  readonly [PLUGIN_MARK]: 1;
};

export type { AddressInfo };
