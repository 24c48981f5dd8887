import path from 'node:path';
import type { Logger } from 'winston';
import type { PluginEntry, ResolvedPlugin } from '../config/index.js';
import type { EventBus } from '../core/event-bus.js';
import { errors, isAgentdError, type AgentdError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { fromWire } from '../client/rpc-error.js';
import { attachPluginOutput, type LogManager } from '../logging/index.js';
import { loadAddon } from '../native/addon.js';
import type { HostToCore } from '../plugin-host/protocol.js';
import type { MethodRegistry } from '../rpc/registry.js';
import type { PluginRow, PluginState } from '../rpc/wire-types.js';
import { HostProcess } from './host-process.js';
import type { InstanceHost } from './instance-host.js';
import { Instance } from './instance.js';
import { keyOf, ListenerPool } from './listeners.js';
import { nameHost } from './subreaper.js';
import type { SparePool } from './spare-pool.js';
import { watchPlugin, type PluginWatcher, type WatchTarget } from './watch.js';

/** What the manager hands down unchanged to every group it owns. */
export interface SupervisorDeps {
  home: string;
  cacheDir: string;
  logs: LogManager;
  log: Logger;
  events: EventBus;
  registry: MethodRegistry;
  /** `ctl start --watch`: watch every plugin, whatever its own setting. */
  watchAll: boolean;
}

export interface GroupDeps extends SupervisorDeps {
  spares: SparePool | null;
  hostEnv: () => NodeJS.ProcessEnv;
}

type Exposed = Extract<HostToCore, { t: 'expose' }>;
interface PendingCall { resolve(v: unknown): void; reject(e: AgentdError): void; timer: NodeJS.Timeout }

const CALL_TIMEOUT_MS = 30_000;
let nextCallId = 1;

/**
 * One configured plugin: its instances, the listening sockets they share, the RPC methods it
 * exposes, and its file watcher.
 */
export class PluginGroup implements InstanceHost {
  readonly instances: Instance[] = [];
  readonly listeners: ListenerPool;
  private readonly exposed = new Map<HostProcess, Exposed[]>();
  private readonly listenKeys = new Map<HostProcess, Set<string>>();
  /**
   * Bumped by each restart or reload of every instance (new settings, new code); each host
   * remembers the one it was started with, and each socket the last one that asked for it.
   */
  private generation = 0;
  private readonly hostGeneration = new Map<HostProcess, number>();
  private readonly pending = new Map<number, PendingCall>();
  private registered: string | null = null;
  private watcher: PluginWatcher | null = null;
  /** What the watcher follows (JSON of its target), and the plugin's files as last known. */
  private watchKey: string | null = null;
  private watchedFiles: string[] = [];
  private roundRobin = 0;
  /** The restart of every instance in progress, if any, and how many have begun. */
  private restarting: Promise<void> | null = null;
  private restarts = 0;
  private scaling: Promise<void> = Promise.resolve();

  constructor(public spec: ResolvedPlugin, private readonly deps: GroupDeps) {
    this.listeners = new ListenerPool(spec.name);
    this.resize();
  }

  get plugin(): string { return this.spec.name; }
  get events(): EventBus { return this.deps.events; }
  get log(): Logger { return this.deps.log; }
  entry(): PluginEntry { return this.spec.entry; }
  instanceCount(): number { return this.instances.length; }
  watchesFiles(): boolean { return this.watching() && this.watchKey !== null; }

  /** The group's state, for a caller: running if any instance is, else the first one's. */
  state(): PluginState {
    return this.instances.find((i) => i.state === 'running')?.state ?? this.instances[0]?.state ?? 'stopped';
  }

  async start(): Promise<void> {
    this.syncWatcher();
    await Promise.all(this.instances.map((i) => i.start()));
  }

  async stop(): Promise<void> {
    this.closeWatcher();
    await Promise.all(this.instances.map((i) => i.stop()));
    this.listeners.release();
    this.unregisterMethods();
  }

  async restart(): Promise<void> {
    this.generation++;
    this.restarts++;
    const run = (async () => {
      await Promise.all(this.instances.map((i) => i.stop()));
      // Failed or not: a port the old settings listened on must not stay open with nobody to accept.
      try { await this.start(); } finally { this.pruneListeners(); }
    })();
    this.restarting = run;
    try { await run; } finally { if (this.restarting === run) this.restarting = null; }
  }

  /**
   * Rolling reload: replace the instances one at a time, each new process ready before its old one
   * stops, so the plugin keeps serving throughout. Stops at the first replacement that fails to
   * start (that instance's old process keeps running).
   */
  async reload(): Promise<void> {
    // As systemctl reload refuses an inactive unit: a reload replaces what runs, it does not start.
    if (this.instances.every((i) => i.state === 'stopped')) throw errors.pluginNotRunning(this.plugin, 'stopped');
    this.syncWatcher();
    const restarts = this.restarts;
    const failure = await this.roll([...this.instances]);
    if (!failure) return;
    // A restart meanwhile (a watched file changed, \`ctl plugins restart\`) stopped what the roll was
    // replacing and starts every instance on the current code, which is what this reload is for:
    // its outcome is the reload's, not "stopped before it became ready" for a plugin that runs.
    if (this.restarts !== restarts && stoppedMeanwhile(failure.error)) return this.restarting ?? undefined;
    // Said alone, a start timeout reads as if the plugin were down: say what still serves.
    if (failure.kept.length === 0) throw failure.error;
    throw errors.pluginReloadFailed(this.plugin, describeError(failure.error), failure.kept.map((k) => k.label).join(', '), { cause: failure.error });
  }

  /**
   * New settings for a running plugin (a `ctl reload` changed them), rolled through its instances
   * as `reload` rolls new code, so that it keeps serving. All or nothing: when a replacement fails,
   * the instances already replaced go back to the previous settings, and the error says that the
   * plugin keeps them. A new number of instances (`want`; null keeps the number running, which a
   * scale may have set) is applied once the new settings run.
   */
  async reconfigure(spec: ResolvedPlugin, want: number | null): Promise<void> {
    const previous = this.spec;
    const withCount = (s: ResolvedPlugin) => ({ ...s, entry: { ...s.entry, instances: this.instances.length } });
    this.spec = withCount(spec);
    this.syncWatcher();
    // Surplus instances are not replaced, only stopped afterwards: until then they serve the old way.
    const todo = want === null ? [...this.instances] : this.instances.slice(0, want);
    const oldHosts = new Map(this.instances.map((i) => [i, i.host]));
    const failure = await this.roll(todo);
    // A stop or restart of the plugin meanwhile is no failure of the new settings: every instance
    // is stopped, or restarting on them, so they stand.
    if (failure && !stoppedMeanwhile(failure.error)) {
      this.spec = withCount(previous);
      this.syncWatcher();
      // Those a scale added meanwhile run the new settings too.
      const replaced = this.instances.filter((i) => i.host !== null && i.host !== oldHosts.get(i));
      const undo = replaced.length > 0 ? await this.roll(replaced) : null;
      if (undo) {
        // Left serving the new settings, they would run what neither the status nor the loaded config
        // says: restart them on the previous ones, and their restart policy takes it from there.
        this.log.error('plugin not returned to its previous settings; restarting on them', { plugin: this.plugin, error: describeError(undo.error), instances: undo.kept.map((i) => i.label) });
        await Promise.allSettled(undo.kept.map((i) => i.restart()));
      }
      // Old processes may have died meanwhile too: say which instances do not serve.
      const down = this.instances.filter((i) => i.state !== 'running').map((i) => i.label);
      throw errors.pluginSettingsKept(this.plugin, describeError(failure.error), down, { cause: failure.error, data: { plugin: this.plugin } });
    }
    try {
      if (want !== null) await this.scaleIfNeeded(want);
    } finally {
      // The surplus may have held the only sockets on a port the new settings no longer use.
      this.pruneListeners();
    }
  }

  /**
   * Replace `todo` one at a time (see Instance.replace); returns the first failure, with the
   * instances still on their old process, or null. One that a scale adds meanwhile already runs
   * the new code, and one a scale removes is not the roll's to replace (its stop is not a failure).
   */
  private async roll(todo: Instance[]): Promise<{ error: unknown; kept: Instance[] } | null> {
    this.generation++;
    const oldPids = new Map(todo.map((i) => [i, i.host?.pid]));
    try {
      for (const [n, instance] of todo.entries()) {
        if (!this.instances.includes(instance)) continue;
        try {
          await instance.replace();
        } catch (error) {
          if (!this.instances.includes(instance)) continue;
          const kept = todo.slice(n).filter((k) => this.instances.includes(k) && k.state === 'running' && k.host?.pid === oldPids.get(k));
          return { error, kept };
        }
      }
      return null;
    } finally {
      this.pruneListeners();
    }
  }

  /** Run `count` instances: new ones start, surplus ones (highest numbers first) stop. */
  scale(count: number): Promise<void> {
    return this.serialScale(() => this.resizeRunning(count));
  }

  /** As scale, unless `count` already run once the scales before it are done (a reload's own count). */
  scaleIfNeeded(count: number): Promise<void> {
    return this.serialScale(async () => { if (count !== this.instances.length) await this.resizeRunning(count); });
  }

  /**
   * Scales run one after the other: two at once would each count and undo the other's instances
   * half-way, ending on a number that neither asked for. The last one asked for wins.
   */
  private serialScale(run: () => Promise<void>): Promise<void> {
    const next = this.scaling.then(run);
    this.scaling = next.catch(() => {});
    return next;
  }

  private async resizeRunning(count: number): Promise<void> {
    const before = this.instances.length;
    this.spec = { ...this.spec, entry: { ...this.spec.entry, instances: count } };
    if (count < before) {
      const surplus = this.instances.splice(count);
      await Promise.all(surplus.map((i) => i.stop()));
    }
    while (this.instances.length < count) this.instances.push(new Instance(this.instances.length, this));
    this.events.emit({ type: 'plugin.scaled', plugin: this.plugin, from: before, to: count });
    if (!this.instances.some((i) => i.state === 'running')) return;
    const added = this.instances.slice(before);
    try {
      await Promise.all(this.instances.map((i) => i.start()));
    } catch (error) {
      if (added.length === 0) throw error;
      // A scale-up whose new processes cannot start is undone, as a reload keeps the old process:
      // the instances that ran keep running, and no slot is left crash-looping.
      this.instances.splice(before);
      await Promise.all(added.map((i) => i.stop()));
      this.spec = { ...this.spec, entry: { ...this.spec.entry, instances: before } };
      this.events.emit({ type: 'plugin.scaled', plugin: this.plugin, from: count, to: before });
      throw errors.pluginScaleFailed(this.plugin, count, before, describeError(error), { cause: error });
    }
  }

  /** Take new settings (a reload changed them); the caller restarts the group. */
  update(spec: ResolvedPlugin): void {
    this.spec = spec;
    this.resize();
  }

  rows(): PluginRow[] {
    return this.instances.map((i) => i.row());
  }

  sampleStats(): void {
    for (const i of this.instances) i.sampleStats();
  }

  acquireHost(instance: Instance): HostProcess {
    // A spare's process is already running, so Node options from the plugin's env could not apply.
    const env = this.spec.entry.env;
    const host = ('NODE_OPTIONS' in env ? null : this.deps.spares?.take()) ?? new HostProcess({ ...this.deps.hostEnv(), ...env });
    nameHost(host.pid, instance.label);
    const sink = this.deps.logs.plugin(this.plugin);
    const meta = { pid: host.pid, instance: instance.index };
    attachPluginOutput(sink, host.stdout, { ...meta, stream: 'stdout' });
    attachPluginOutput(sink, host.stderr, { ...meta, stream: 'stderr' });
    attachPluginOutput(sink, host.logStream, { ...meta, stream: 'log' });
    this.exposed.set(host, []);
    this.listenKeys.set(host, new Set());
    this.hostGeneration.set(host, this.generation);
    host.on('message', (m) => this.onMessage(host, m));
    host.once('exit', () => {
      this.exposed.delete(host);
      this.listenKeys.delete(host);
      this.hostGeneration.delete(host);
    });
    const { spec } = this;
    host.send({
      t: 'load',
      plugin: spec.name,
      instance: instance.index,
      module: spec.module,
      baseDir: spec.baseDir,
      config: spec.entry.config,
      env: spec.entry.env,
      umask: spec.entry.umask,
      logLevel: spec.entry.logLevel,
      home: this.deps.home,
      cacheDir: path.join(this.deps.cacheDir, spec.name),
      watch: this.watching(),
    });
    return host;
  }

  /**
   * Watch exactly the files the plugin was loaded from, as `node --watch` does: not its directory,
   * where it may write files of its own (which would restart it for ever) or the config may sit.
   */
  async onLoaded(_instance: Instance, files: string[] | null | undefined): Promise<void> {
    if (!this.watching() || files === undefined) return;
    if (files === null) return this.watch({ module: this.spec.module, home: this.deps.home });
    this.watchedFiles = files;
    return this.watch({ files });
  }

  onReady(instance: Instance): void {
    const host = instance.host;
    if (host) this.registerMethods(this.exposed.get(host) ?? []);
  }

  onDown(): void { /* methods stay listed while the plugin restarts; calls meanwhile get E_PLUGIN_NOT_RUNNING */ }

  /**
   * Once no instance will run again until someone starts the plugin, nothing would ever accept on
   * its sockets: close those on a configured port, so that clients are refused (and a balancer
   * moves on) instead of hanging in the backlog, as they are when a Node cluster's last worker dies.
   */
  onGaveUp(): void {
    if (this.instances.every((i) => i.host === null && (i.state === 'failed' || i.state === 'stopped'))) this.listeners.releaseFixedPorts();
  }

  /**
   * Call one of the plugin's own methods: on instance `index` when the caller named one
   * (`<plugin>#<n>.<method>`), else on the next running instance, round robin, as PM2's cluster
   * mode spreads requests: each call is served by one instance.
   */
  call(method: string, params: unknown, index?: number): Promise<unknown> {
    let instance: Instance | undefined;
    if (index === undefined) {
      const running = this.instances.filter((i) => i.state === 'running' && i.host?.alive);
      instance = running[this.roundRobin++ % Math.max(running.length, 1)];
      if (!instance) return Promise.reject(errors.pluginNotRunning(this.plugin, this.state()));
    } else {
      instance = this.instances[index];
      if (!instance) return Promise.reject(errors.pluginInstanceNotFound(this.plugin, index, this.instances.map((i) => i.label)));
    }
    const host = instance.host;
    if (instance.state !== 'running' || !host?.alive) return Promise.reject(errors.pluginNotRunning(instance.label, instance.state));
    const id = nextCallId++;
    const full = `${this.plugin}.${method}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(errors.pluginRpcTimeout(full, CALL_TIMEOUT_MS));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      try {
        host.send({ t: 'call', id, method, params });
      } catch (e) {
        // Params JSON cannot encode (the registry refuses deep nesting before this).
        this.pending.delete(id);
        clearTimeout(timer);
        reject(errors.invalidParams(full, `params: cannot be passed to the plugin (${describeError(e)})`));
        return;
      }
      void host.exited.then(() => {
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(errors.pluginMethodFailed(full, `plugin ${instance.label} exited before answering`));
      });
    });
  }

  private onMessage(host: HostProcess, m: HostToCore): void {
    switch (m.t) {
      case 'failed': if (m.phase === 'load') this.watchFailedLoad(m.error); break;
      case 'expose': this.exposed.get(host)?.push(m); break;
      case 'listen': this.onListen(host, m); break;
      case 'result':
      case 'error': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.t === 'result') p.resolve(m.result);
        else p.reject(fromWire(m.error));
        break;
      }
      default: break;
    }
  }

  private onListen(host: HostProcess, m: Extract<HostToCore, { t: 'listen' }>): void {
    try {
      const fd = this.listeners.acquire(m.host, m.port, m.backlog, this.hostGeneration.get(host) ?? this.generation);
      loadAddon().sendFd(host.fdPass, fd);
      this.listenKeys.get(host)?.add(keyOf(m.host, m.port));
      host.send({ t: 'listen-ok', id: m.id });
    } catch (e) {
      const error = e instanceof Error && 'toWire' in e ? (e as AgentdError) : errors.pluginListen(`${m.host}:${m.port}`, String(e));
      host.send({ t: 'listen-error', id: m.id, error: error.toWire() });
    }
  }

  private registerMethods(list: Exposed[]): void {
    const signature = JSON.stringify(list.map((m) => [m.method, m.summary, m.params, m.result]));
    if (signature === this.registered) return;
    this.unregisterMethods();
    for (const m of list) {
      this.deps.registry.registerPlugin({
        plugin: this.plugin,
        name: m.method,
        summary: m.summary,
        params: m.params,
        result: m.result,
        handler: (params, _call, instance) => this.call(m.method, params, instance),
      });
    }
    this.registered = signature;
  }

  private unregisterMethods(): void {
    this.deps.registry.unregisterPlugin(this.plugin);
    this.registered = null;
  }

  /** After new settings, close the sockets that only the old ones listened on and no live process holds. */
  private pruneListeners(): void {
    const inUse = new Set<string>();
    for (const keys of this.listenKeys.values()) for (const k of keys) inUse.add(k);
    this.listeners.releaseStale(this.generation, inUse);
  }

  private resize(): void {
    const want = this.spec.entry.instances;
    while (this.instances.length < want) this.instances.push(new Instance(this.instances.length, this));
    // Scaling down happens on restart: surplus instances are stopped by the caller first.
    if (this.instances.length > want) this.instances.splice(want).forEach((i) => void i.stop());
  }

  private watching(): boolean {
    return this.spec.entry.watch || this.deps.watchAll;
  }

  /** Watching is set up as each host loads the plugin (onLoaded); here it is only turned off. */
  private syncWatcher(): void {
    if (!this.watching()) this.closeWatcher();
  }

  /**
   * A load failed (a syntax error): besides the files known from the last load, watch the ones the
   * error names, so that fixing the file is seen even when it never loaded before.
   */
  private watchFailedLoad(error: { message: string; data?: Record<string, unknown> }): void {
    if (!this.watching()) return;
    const named = [error.data?.['module'], /(?:^|: )(\/[^:\s]+):\d+:\d+: /.exec(error.message)?.[1]].filter((f): f is string => typeof f === 'string');
    const files = [...new Set([...this.watchedFiles, ...named])];
    if (files.length === 0) { void this.watch({ module: this.spec.module, home: this.deps.home }); return; }
    this.watchedFiles = files;
    void this.watch({ files });
  }

  private async watch(target: WatchTarget): Promise<void> {
    if ('module' in target && !path.isAbsolute(target.module)) return; // a package: changes by reinstall, not by edit
    if ('files' in target && target.files.length === 0) return;
    const key = JSON.stringify('files' in target ? [...target.files].sort() : target);
    if (key === this.watchKey) return;
    this.closeWatcher();
    this.watchKey = key;
    const watcher = await watchPlugin(target, this.spec.entry.watchDebounce, (files) => {
      this.log.info('plugin files changed; restarting', { plugin: this.plugin, files: files.slice(0, 5) });
      this.events.emit({ type: 'plugin.changed', plugin: this.plugin, files });
      void this.restart().catch(() => { /* the state and its error say what went wrong */ });
    });
    // Replaced or closed while chokidar loaded.
    if (this.watchKey !== key) { watcher.close(); return; }
    this.watcher = watcher;
    // Bounded: a huge tree must not hold up the start for long.
    await Promise.race([watcher.ready, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = null;
    this.watchKey = null;
  }
}

/** A replacement that failed because the instance was stopped under it (a stop or restart of the plugin). */
function stoppedMeanwhile(error: unknown): boolean {
  return isAgentdError(error) && error.code === errors.pluginStopped.code;
}
