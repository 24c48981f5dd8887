import * as v from 'valibot';
import { errors } from '../errors/index.js';
import { formatIssues } from '../config/issues.js';
import type { AnyMethod, ParamsOut, ResultOf } from './descriptor.js';
import type { Connection } from './connection.js';
import type { MethodInfo } from './wire-types.js';

/** What a handler learns about the call besides its params. */
export interface CallContext {
  connection: Connection;
}

export type Handler<M extends AnyMethod> = (params: ParamsOut<M>, call: CallContext) => ResultOf<M> | Promise<ResultOf<M>>;

/** A method a plugin exposes: params are passed through untouched and checked by the plugin. */
export interface PluginMethod {
  plugin: string;
  name: string;
  summary: string;
  params: Record<string, unknown>;
  handler: (params: unknown, call: CallContext) => unknown;
}

interface Entry {
  name: string;
  invoke: (params: unknown, call: CallContext) => unknown;
  info: () => MethodInfo;
}

/**
 * The single table of methods the control socket answers: core methods registered from their
 * descriptors at start-up, and plugin methods added and removed as plugins come and go. Plugin
 * methods always live under the plugin's own name, so they cannot shadow a core method.
 */
export class MethodRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly schemaCache = new Map<string, Record<string, unknown>>();
  private toJsonSchema: ((schema: v.GenericSchema) => Record<string, unknown>) | undefined;

  register<M extends AnyMethod>(method: M, handler: Handler<M>): void {
    if (this.entries.has(method.name)) throw new Error(`duplicate RPC method ${method.name}`);
    this.entries.set(method.name, {
      name: method.name,
      invoke: (raw, call) => {
        const parsed = v.safeParse(method.params, raw);
        if (!parsed.success) throw errors.invalidParams(method.name, formatIssues(parsed.issues, 'params'));
        return handler(parsed.output as ParamsOut<M>, call);
      },
      info: () => ({
        name: method.name,
        summary: method.summary,
        params: this.jsonSchema(method),
        ...(method.streams ? { streams: method.streams } : {}),
      }),
    });
  }

  registerPlugin(method: PluginMethod): void {
    const full = `${method.plugin}.${method.name}`;
    if (this.entries.has(full)) throw errors.pluginMethodInvalid(method.plugin, method.name, 'it is already registered');
    this.entries.set(full, {
      name: full,
      invoke: (params, call) => method.handler(params ?? {}, call),
      info: () => ({ name: full, summary: method.summary, params: method.params, plugin: method.plugin }),
    });
  }

  /** Remove every method of a plugin (it stopped, or is being replaced). */
  unregisterPlugin(plugin: string): void {
    for (const name of this.entries.keys()) if (name.startsWith(`${plugin}.`) && !isCore(name)) this.entries.delete(name);
  }

  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Every method with its JSON Schema; the converter is loaded on first use, off the start-up path. */
  async list(): Promise<MethodInfo[]> {
    if (!this.toJsonSchema) {
      const { toJsonSchema } = await import('@valibot/to-json-schema');
      this.toJsonSchema = (schema) => toJsonSchema(schema, { errorMode: 'ignore' }) as Record<string, unknown>;
    }
    return [...this.entries.values()].map((e) => e.info());
  }

  private jsonSchema(method: AnyMethod): Record<string, unknown> {
    let schema = this.schemaCache.get(method.name);
    if (!schema) {
      schema = this.toJsonSchema ? this.toJsonSchema(method.params) : {};
      this.schemaCache.set(method.name, schema);
    }
    return schema;
  }
}

const CORE_NAMESPACES = ['daemon.', 'logs.', 'plugins.', 'events.', 'rpc.'];
function isCore(name: string): boolean {
  return CORE_NAMESPACES.some((ns) => name.startsWith(ns));
}
