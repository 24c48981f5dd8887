import { sameApartFromInstances, type PluginDiff, type ResolvedPlugin } from '../config/index.js';
import { AgentdError, errors, isAgentdError } from '../errors/index.js';
import type { PluginRow } from '../rpc/wire-types.js';
import { JsonText } from '../rpc/json-text.js';
import { PluginGroup, type SupervisorDeps } from './group.js';
import { hostEnv } from './host-env.js';
import { checkPlugins, issuesOf } from './plugin-check.js';
import { homePaths } from '../home/paths.js';
import { readRecord } from '../plugin-host/compile-cache.js';
import { isTypeScript, resolveEntry } from '../plugin-host/resolve-entry.js';
import { SparePool } from './spare-pool.js';

/** A changed plugin whose new settings a reload could not apply: what it runs instead, and why. */
export interface NotApplied {
  running: ResolvedPlugin;
  error: AgentdError;
}

export interface ManagerDeps extends SupervisorDeps {
  /** Host processes kept ready for restarts (default 1). */
  spares?: number;
}

const SAMPLE_INTERVAL_MS = 1000;
/** The errors of a change that was undone, so that the plugin runs as before it. */
const KEPT_CODES = new Set([errors.pluginSettingsKept.code, errors.pluginScaleFailed.code]);

/** Every configured plugin, by name, and the operations the RPC methods expose. */
export class PluginManager {
  private lastList: { rows: string[]; text: string } = { rows: [], text: '[]' };
  private readonly groups = new Map<string, PluginGroup>();
  private readonly spares: SparePool;
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ManagerDeps) {
    this.spares = new SparePool(deps.spares ?? 1, hostEnv);
    deps.registry.setPluginStates((name) => this.groups.get(name)?.state() ?? null);
  }

  /**
   * The daemon's first start: every enabled plugin must reach running, or everything started is
   * stopped again and the first failure is thrown, so that `ctl start` reports it.
   */
  async startAll(plugins: readonly ResolvedPlugin[], file: string | null): Promise<void> {
    for (const spec of plugins) this.groups.set(spec.name, this.newGroup(spec));
    this.sampler = setInterval(() => { for (const g of this.groups.values()) g.sampleStats(); }, SAMPLE_INTERVAL_MS);
    this.sampler.unref();
    const results = await Promise.allSettled([...this.groups.values()].filter((g) => g.spec.entry.enabled).map((g) => g.start()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.stopAll();
      throw withPluginContext(asConfigError(failed.reason, file));
    }
    // After the core has reported ready: the spare is for later restarts, not for this start.
    setImmediate(() => this.fillSpares());
  }

  list(): PluginRow[] {
    return [...this.groups.values()].flatMap((g) => g.rows());
  }

  /** list() serialized: each row's text is reused while the row is unchanged, and the whole while every row is. */
  listText(): JsonText<PluginRow[]> {
    const rows: string[] = [];
    for (const group of this.groups.values()) for (const instance of group.instances) rows.push(instance.rowText());
    const last = this.lastList;
    if (rows.length !== last.rows.length || rows.some((text, i) => text !== last.rows[i])) this.lastList = { rows, text: `[${rows.join(',')}]` };
    return new JsonText(this.lastList.text);
  }

  get(name: string): PluginGroup {
    const group = this.groups.get(name);
    if (!group) throw errors.pluginNotFound(name, [...this.groups.keys()]);
    return group;
  }

  async start(name: string): Promise<PluginRow[]> {
    const group = this.get(name);
    await group.start();
    return group.rows();
  }

  async stop(name: string): Promise<PluginRow[]> {
    const group = this.get(name);
    await group.stop();
    return group.rows();
  }

  async restart(name: string): Promise<PluginRow[]> {
    const group = this.get(name);
    await group.restart();
    return group.rows();
  }

  async reload(name: string): Promise<PluginRow[]> {
    const group = this.get(name);
    await group.reload();
    return group.rows();
  }

  async scale(name: string, count: number): Promise<PluginRow[]> {
    const group = this.get(name);
    await group.scale(count);
    return group.rows();
  }

  /** Check plugins before a reload applies them (see checkPlugins). */
  validate(plugins: readonly ResolvedPlugin[], file: string | null): Promise<void> {
    return checkPlugins(plugins, this.deps, file);
  }

  /**
   * Apply a reload: removed plugins stop, added ones start, and changed ones take their new
   * settings: rolled through their instances while they run (scaled, when only their number of
   * instances changed), restarted when none runs, stopped when disabled. Resolves with the changed
   * plugins whose new settings did not start, each with the settings it still runs.
   */
  async apply(diff: PluginDiff, before: readonly ResolvedPlugin[]): Promise<NotApplied[]> {
    const notApplied: NotApplied[] = [];
    const previous = new Map(before.map((p) => [p.name, p]));
    const removals = diff.removed.map(async (name) => {
      const group = this.groups.get(name);
      this.groups.delete(name);
      await group?.stop();
      await this.deps.logs.release(name);
    });
    const changes = diff.changed.map(async (spec) => {
      const group = this.get(spec.name);
      const fileInstances = previous.get(spec.name)?.entry.instances ?? spec.entry.instances;
      // As a re-applied manifest keeps `kubectl scale`'s count unless it changes its own replicas.
      const want = fileInstances === spec.entry.instances ? null : spec.entry.instances;
      try {
        await this.change(group, spec, want);
      } catch (error) {
        // Only a rolled change keeps what ran; a restarted plugin is left to its restart policy.
        if (!isAgentdError(error) || !KEPT_CODES.has(error.code)) throw error;
        // With the file's count, not a scale's: the next reload must not take a scale for a config change.
        notApplied.push({ running: { ...group.spec, entry: { ...group.spec.entry, instances: fileInstances } }, error });
      }
    });
    const additions = diff.added.map(async (spec) => {
      const group = this.newGroup(spec);
      this.groups.set(spec.name, group);
      if (spec.entry.enabled) await group.start();
    });
    // A plugin that fails to start after a reload is handled by its restart policy; the reload stands.
    const results = await Promise.allSettled([...removals, ...changes, ...additions]);
    this.fillSpares();
    for (const r of results) if (r.status === 'rejected') this.deps.log.warn('plugin did not start after reload', { error: String((r.reason as Error)?.message ?? r.reason) });
    for (const { running, error } of notApplied) this.deps.log.error('plugin keeps its previous settings', { plugin: running.name, error: error.message });
    return notApplied;
  }

  /** `want`: the number of instances the reloaded file newly asks for, or null to keep the number running. */
  private async change(group: PluginGroup, spec: ResolvedPlugin, want: number | null): Promise<void> {
    // Restarting every instance to add one would drop what the running ones hold, for nothing.
    if (sameApartFromInstances(group.spec, spec)) {
      if (want !== null) await group.scaleIfNeeded(want);
      return;
    }
    if (spec.entry.enabled && group.instances.some((i) => i.state === 'running')) return group.reconfigure(spec, want);
    // Nothing runs to keep serving (stopped, backoff, failed): restart or stop, with the new settings.
    group.update({ ...spec, entry: { ...spec.entry, instances: want ?? group.instanceCount() } });
    if (spec.entry.enabled) await group.restart();
    else await group.stop();
  }

  async stopAll(): Promise<void> {
    clearInterval(this.sampler);
    await Promise.all([...this.groups.values()].map((g) => g.stop()));
    await this.spares.close();
  }

  /**
   * A spare host only once there is a plugin it could serve: a daemon with none runs no host at
   * all. It loads the TypeScript loader ahead only if a plugin it could serve needs it (disabled
   * ones count: `ctl plugins start` may start them at any time).
   */
  private fillSpares(): void {
    if (this.groups.size === 0) return;
    const compiledDir = homePaths(this.deps.home).compiledDir;
    const typescript = [...this.groups.values()].some((g) => needsTypeScriptLoader(g.spec, compiledDir));
    this.spares.prepareFor({ typescript });
    this.spares.fill();
  }

  private newGroup(spec: ResolvedPlugin): PluginGroup {
    return new PluginGroup(spec, { ...this.deps, spares: this.spares, hostEnv });
  }

}

/**
 * Whether `spec`'s module loads through tsx: TypeScript that its last compile sent to tsx (a
 * plugin never loaded yet is taken to compile). One that cannot be resolved fails in its host.
 */
function needsTypeScriptLoader(spec: ResolvedPlugin, compiledDir: string): boolean {
  let entry: string;
  try { entry = resolveEntry(spec.name, spec.module, spec.baseDir); } catch { return false; }
  if (!isTypeScript(entry)) return false;
  return spec.entry.env['AGENTD_TS_LOADER'] === 'tsx' || readRecord(compiledDir, entry)?.loader === 'tsx';
}



/** A plugin's own config check failing at start reads as the core's does: one prefix, with the file. */
function asConfigError(reason: unknown, file: string | null): unknown {
  const issues = issuesOf(reason);
  return issues === null ? reason : errors.configInvalid(file ?? '(built-in default)', issues, { data: (reason as AgentdError).data, cause: reason });
}

function withPluginContext(reason: unknown): unknown {
  if (!isAgentdError(reason)) return reason;
  const plugin = typeof reason.data['plugin'] === 'string' ? reason.data['plugin'] : null;
  if (!plugin || reason.message.includes(`plugin ${plugin}`) || reason.message.includes(`plugins.${plugin}`)) return reason;
  return new AgentdError(reason.code, reason.rpcCode, reason.exitCode, `plugin ${plugin}: ${reason.message}`, { data: reason.data, cause: reason });
}
