import fs from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import type { Logger } from 'winston';
import { errors } from '../errors/index.js';
import type { HealthResult, ListenOptions, MaybePromise, MethodOptions, PluginContext } from '../plugin-api/types.js';
import type { IpcChannel } from './ipc.js';
import { compileParamsSchema, type ParamsCheck } from './method-schema.js';

const METHOD_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export interface ContextParts {
  name: string;
  instance: number;
  config: Record<string, unknown>;
  log: Logger;
  home: string;
  cacheDir: string;
  ipc: IpcChannel;
}

/** A method exposed through ctx.rpc: its handler, and the check of its declared params schema. */
export interface ExposedMethod {
  handler: (params: unknown) => MaybePromise<unknown>;
  check: ParamsCheck | null;
}

/** What the host keeps about a context: its methods, health check, and readiness. */
export interface ContextState {
  ctx: PluginContext<Record<string, unknown>>;
  abort: AbortController;
  methods: Map<string, ExposedMethod>;
  health: (() => MaybePromise<HealthResult>) | null;
  /** Resolves when the plugin calls ctx.ready(). */
  manualReady: Promise<void>;
  servers: Server[];
  /**
   * Set once the core has been told the plugin is ready, with its methods and health check: the
   * core registers them then, so a later ctx.rpc or ctx.health would be silently ignored.
   */
  sealed: boolean;
}

export function createContext(parts: ContextParts): ContextState {
  const abort = new AbortController();
  const methods = new Map<string, ExposedMethod>();
  let markReady: () => void = () => {};
  const manualReady = new Promise<void>((resolve) => { markReady = resolve; });
  const state: ContextState = { ctx: undefined as never, abort, methods, health: null, manualReady, servers: [], sealed: false };
  const tooLate = (method: string) => errors.pluginMethodInvalid(parts.name, method, 'the plugin is ready already; call it from start() (before ctx.ready(), with manual readiness)');
  let cacheDirMade = false;

  state.ctx = {
    name: parts.name,
    instance: parts.instance,
    config: Object.freeze(parts.config),
    log: parts.log,
    signal: abort.signal,
    home: parts.home,
    get cacheDir() {
      if (!cacheDirMade) { fs.mkdirSync(parts.cacheDir, { recursive: true, mode: 0o700 }); cacheDirMade = true; }
      return parts.cacheDir;
    },
    rpc(method, handler, options: MethodOptions = {}) {
      if (state.sealed) throw tooLate(method);
      if (!METHOD_NAME.test(method)) throw errors.pluginMethodInvalid(parts.name, method, 'use lowercase words joined by dots or dashes');
      if (methods.has(method)) throw errors.pluginMethodInvalid(parts.name, method, 'it is already exposed');
      let check: ParamsCheck | null = null;
      if (options.params !== undefined) {
        try { check = compileParamsSchema(options.params); } catch (e) {
          throw errors.pluginMethodInvalid(parts.name, method, `its params schema is invalid: ${(e as Error).message}`);
        }
      }
      if (options.result !== undefined && !isSchemaObject(options.result)) throw errors.pluginMethodInvalid(parts.name, method, 'its result schema must be a JSON Schema object');
      methods.set(method, { handler: handler as (params: unknown) => MaybePromise<unknown>, check });
      parts.ipc.send({ t: 'expose', method, summary: options.summary ?? '', params: options.params ?? { type: 'object' }, result: options.result ?? {} });
    },
    async listen(server: Server, options: ListenOptions): Promise<AddressInfo> {
      const host = options.host ?? '127.0.0.1';
      const fd = await parts.ipc.requestListener(host, options.port, options.backlog ?? 511);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ fd }, () => { server.off('error', reject); resolve(); });
      });
      state.servers.push(server);
      return server.address() as AddressInfo;
    },
    ready() {
      markReady();
    },
    health(check) {
      if (state.sealed) throw tooLate('health');
      if (state.health) throw errors.pluginMethodInvalid(parts.name, 'health', 'a health check is already registered');
      state.health = check;
    },
  };
  return state;
}

function isSchemaObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
