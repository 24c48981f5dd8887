import * as v from 'valibot';
import { errors, type AgentdError } from '../errors/index.js';
import { arrayForObject } from '../config/arrays-for-objects.js';
import { RESERVED_NAMESPACES } from '../config/schema.js';
import { formatIssues } from '../config/issues.js';
import { shortPath, tooDeep } from '../config/nesting.js';
import type { AnyMethod, ParamsOut, ResultOf } from './descriptor.js';
import type { Connection } from './connection.js';
import type { JsonPieces, JsonText } from './json-text.js';
import type { MethodInfo } from './wire-types.js';
import { describeMethod, jsonSchemaConverter } from './describe.js';

/** Plugin method params nested deeper than this are refused (-32602) before they reach the plugin. */
export const MAX_PLUGIN_PARAMS_DEPTH = 256;

/** What a handler learns about the call besides its params. */
export interface CallContext {
  connection: Connection;
}

/** A handler answers with its result, or with the result already serialized ({@link JsonText}, {@link JsonPieces}). */
export type Handler<M extends AnyMethod> = (params: ParamsOut<M>, call: CallContext) => Answer<ResultOf<M>> | Promise<Answer<ResultOf<M>>>;
type Answer<R> = R | JsonText<R> | JsonPieces<R>;

/** A method a plugin exposes: params are passed through untouched and checked by the plugin. */
export interface PluginMethod {
  plugin: string;
  name: string;
  summary: string;
  params: Record<string, unknown>;
  /** JSON Schema of the result, as the plugin declared it (`{}` when it did not). */
  result: Record<string, unknown>;
  /** Runs the call on one instance: `instance` when the caller named one (`<plugin>#<n>.<method>`), else round robin. */
  handler: (params: unknown, call: CallContext, instance?: number) => unknown;
}

interface Entry {
  name: string;
  /** The plugin that provides the method; absent for core methods. */
  plugin?: string;
  invoke: (params: unknown, call: CallContext, instance?: number) => unknown;
  info: () => MethodInfo;
}

/** What a method name resolves to: its entry, and the instance the caller named, if any. */
export interface Resolved {
  entry: Entry;
  instance?: number;
}

/** `<plugin>#<n>.<method>`: a plugin method addressed to instance n, as `ctl status` labels it. */
const INSTANCE_CALL = /^([a-z][a-z0-9-]*)#(\d{1,6})\.(.+)$/;

/**
 * The single table of methods the control socket answers: core methods registered from their
 * descriptors at start-up, and plugin methods added and removed as plugins come and go. Plugin
 * methods always live under the plugin's own name, so they cannot shadow a core method.
 */
export class MethodRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly described = new Map<string, MethodInfo>();
  private toJsonSchema: Awaited<ReturnType<typeof jsonSchemaConverter>> | undefined;
  private pluginState: (plugin: string) => string | null = () => null;

  register<M extends AnyMethod>(method: M, handler: Handler<M>): void {
    if (this.entries.has(method.name)) throw new Error(`duplicate RPC method ${method.name}`);
    this.entries.set(method.name, {
      name: method.name,
      invoke: (raw, call) => {
        // Params are named; valibot's object schemas would take an array for an object ([] for {}).
        const array = arrayForObject(raw, method.params, 'params');
        if (array !== null) throw errors.invalidParams(method.name, `${array}: must be an object (named params), not an array`);
        const parsed = v.safeParse(method.params, raw);
        if (!parsed.success) throw errors.invalidParams(method.name, formatIssues(parsed.issues, 'params'));
        return handler(parsed.output as ParamsOut<M>, call);
      },
      info: () => this.describe(method),
    });
  }

  registerPlugin(method: PluginMethod): void {
    const full = `${method.plugin}.${method.name}`;
    if (this.entries.has(full)) throw errors.pluginMethodInvalid(method.plugin, method.name, 'it is already registered');
    this.entries.set(full, {
      name: full,
      plugin: method.plugin,
      invoke: (params, call, instance) => {
        // Params go to the plugin over IPC as JSON, whose encoder recurses: refuse what would overflow it.
        const deep = tooDeep(params, MAX_PLUGIN_PARAMS_DEPTH);
        if (deep !== null) throw errors.invalidParams(full, `${['params', shortPath(deep)].filter(Boolean).join('.')}: nested deeper than ${MAX_PLUGIN_PARAMS_DEPTH} levels`);
        return method.handler(params ?? {}, call, instance);
      },
      info: () => ({ name: full, summary: method.summary, params: method.params, result: method.result, plugin: method.plugin }),
    });
  }

  /** Remove every method of a plugin (it stopped, or is being replaced). */
  unregisterPlugin(plugin: string): void {
    for (const name of this.entries.keys()) if (name.startsWith(`${plugin}.`) && !isCore(name)) this.entries.delete(name);
  }

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  /** The entry a called name runs: a method's own name, or a plugin method addressed to one instance. */
  resolve(name: string): Resolved | undefined {
    const entry = this.entries.get(name);
    if (entry) return { entry };
    const addressed = INSTANCE_CALL.exec(name);
    if (!addressed) return undefined;
    const [, plugin, index, method] = addressed;
    const target = this.entries.get(`${plugin}.${method}`);
    return target && target.plugin === plugin ? { entry: target, instance: Number(index) } : undefined;
  }

  /**
   * Tell the registry the state of configured plugins (null: no such plugin), so that a call to
   * a plugin that is not running says so: its methods are listed only while it runs.
   */
  setPluginStates(lookup: (plugin: string) => string | null): void {
    this.pluginState = lookup;
  }

  /** The error for a call to `name`, which is not in the table. */
  missing(name: string): AgentdError {
    const plugin = isCore(name) ? null : name.slice(0, Math.max(name.indexOf('.'), 0)).replace(/#\d+$/, '');
    const state = plugin ? this.pluginState(plugin) : null;
    return plugin && state !== null && state !== 'running' ? errors.pluginNotRunning(plugin, state) : errors.methodNotFound(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Every method with its params and result as JSON Schema. */
  async list(): Promise<MethodInfo[]> {
    this.toJsonSchema ??= await jsonSchemaConverter();
    return [...this.entries.values()].map((e) => e.info());
  }

  private describe(method: AnyMethod): MethodInfo {
    let info = this.described.get(method.name);
    if (!info) {
      info = describeMethod(method, this.toJsonSchema!);
      this.described.set(method.name, info);
    }
    return info;
  }
}

const CORE_NAMESPACES = RESERVED_NAMESPACES.map((ns) => `${ns}.`);
function isCore(name: string): boolean {
  return CORE_NAMESPACES.some((ns) => name.startsWith(ns));
}
