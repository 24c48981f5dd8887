import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { PLUGIN_NAME, type LogsConfig } from '../config/schema.js';
import { errors } from '../errors/index.js';
import { isoTime } from '../iso-time.js';
import { FileSink, type FileSinkOptions, type RotateResult, type SinkError, type SinkStats } from './file-sink.js';
import { openTail, openTailBatches, tailLines, type LineBatches } from './tail.js';

export interface LogPaths {
  /** The core's own log, `agentd.log`. */
  log: string;
  /** Where `<plugin>.log` files go; created (0700) with the first plugin sink. */
  logsDir: string;
}

/** The source name of the core's own log in follow(), tail() and events. */
export const CORE_SOURCE = 'agentd';

export type FollowListener = (source: string, line: string) => void;

/** Called with the text of every write to a plugin's log (whole lines); must not block. */
export type MirrorListener = (plugin: string, text: string) => void;

/**
 * Owns every log file of the core: agentd.log and logs/<plugin>.log. Events (all with `source`
 * and `path`): 'rotated' ({ to }), 'error-state' ({ error }), 'recovered' ({ dropped }),
 * 'compress-error' ({ error }) — for the core to log and publish.
 */
export class LogManager extends EventEmitter {
  readonly core: FileSink;
  private readonly sinks = new Map<string, FileSink>();
  private readonly followers = new Map<string | null, Set<FollowListener>>();
  private mirrorTo: MirrorListener | null = null;
  private rotation: Promise<unknown> = Promise.resolve();
  private delivering = false;

  constructor(private readonly paths: LogPaths, private config: LogsConfig) {
    super();
    this.core = this.adopt(CORE_SOURCE, paths.log);
  }

  /** The sink of `logs/<name>.log`, created on first use. */
  plugin(name: string): FileSink {
    if (!PLUGIN_NAME.test(name) || name === CORE_SOURCE) throw errors.pluginNameInvalid(name);
    const existing = this.sinks.get(name);
    if (existing) return existing;
    fs.mkdirSync(this.paths.logsDir, { recursive: true, mode: 0o700 });
    return this.adopt(name, path.join(this.paths.logsDir, `${name}.log`));
  }

  /** Close and forget a plugin's sink (the plugin was removed from the config). */
  async release(name: string): Promise<void> {
    const sink = this.sinks.get(name);
    if (!sink || sink === this.core) return;
    this.sinks.delete(name);
    await sink.close();
  }

  /**
   * Rotate every file, as one serialized operation: a call made while one runs waits for it and
   * then rotates again. Resolves with the live paths that were rotated (empty files are not).
   */
  rotateAll(): Promise<{ files: string[] }> {
    const run = this.rotation.then(() => this.rotateEach());
    this.rotation = run.catch(() => undefined);
    return run;
  }

  /** Reopen every file by path (SIGUSR2, or after an external logrotate). Never throws. */
  reopenAll(): { files: string[]; failed: string[] } {
    const files: string[] = [];
    const failed: string[] = [];
    for (const sink of this.sinks.values()) (sink.reopen() ? files : failed).push(sink.path);
    return { files, failed };
  }

  /** Reopen files deleted or replaced under us; call periodically. Returns the reopened paths. */
  checkPaths(): string[] {
    return [...this.sinks.values()].filter((s) => s.checkPath()).map((s) => s.path);
  }

  reconfigure(config: LogsConfig): void {
    this.config = config;
    for (const sink of this.sinks.values()) sink.configure(sinkOptions(config));
  }

  /**
   * Call `listener` with every line written from now on to `source` ('agentd' or a plugin name;
   * null: every log, including plugins started later). Returns the unsubscriber. Sinks pay for
   * this only while someone follows them.
   */
  follow(source: string | null, listener: FollowListener): () => void {
    let set = this.followers.get(source);
    if (!set) this.followers.set(source, (set = new Set()));
    set.add(listener);
    this.updateTaps();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.followers.delete(source);
      this.updateTaps();
    };
  }

  /**
   * Pass every line written to any plugin's log, from now on, to `listener` as well (foreground
   * stdout). One listener; null removes it. Unlike follow(), whole writes: no split per line.
   */
  mirror(listener: MirrorListener | null): void {
    this.mirrorTo = listener;
    this.updateTaps();
  }

  /** The last `lines` lines of a log that fit in `maxBytes`, oldest first, continuing into its newest rotated file. */
  async tail(source: string, lines: number, maxBytes?: number): Promise<string[]> {
    return tailLines(this.pathOf(source), lines, maxBytes);
  }

  /** tail() with the files opened now and read later: see openTail. */
  openTail(source: string): (lines: number, maxBytes: number) => Promise<string[]> {
    return openTail(this.pathOf(source));
  }

  /** openTail() handing the lines over in batches as they are read: see openTailBatches. */
  openTailBatches(source: string): (lines: number, maxBytes: number, each: LineBatches) => Promise<void> {
    return openTailBatches(this.pathOf(source));
  }

  status(): { files: SinkStats[] } {
    return { files: [...this.sinks.values()].map((s) => s.stats()) };
  }

  /** Finish any rotation and compression, then close every file. */
  async close(): Promise<void> {
    await this.rotation;
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
  }

  /** Every log being written: the core's (adopted first), then each plugin's. */
  sources(): string[] {
    return [...this.sinks.keys()];
  }

  /** A log that can be read: one being written, or a plugin's file left from a run before (a plugin since removed). */
  hasLog(source: string): boolean {
    if (this.sinks.has(source)) return true;
    return PLUGIN_NAME.test(source) && fs.existsSync(this.pathOf(source));
  }

  private pathOf(source: string): string {
    if (source === CORE_SOURCE) return this.core.path;
    const sink = this.sinks.get(source);
    if (sink) return sink.path;
    // Validated before it becomes a path: a source is never `../something`.
    if (!PLUGIN_NAME.test(source)) throw errors.pluginNameInvalid(source);
    return path.join(this.paths.logsDir, `${source}.log`);
  }

  private async rotateEach(): Promise<{ files: string[] }> {
    const sinks = [...this.sinks.values()];
    const results = await Promise.allSettled(sinks.map((s) => s.rotate()));
    const files: string[] = [];
    const failed: Array<{ path: string; error: unknown }> = [];
    results.forEach((r, i) => {
      const sink = sinks[i] as FileSink;
      if (r.status === 'rejected') failed.push({ path: sink.path, error: r.reason });
      else if (r.value.rotated) files.push(sink.path);
    });
    if (failed.length > 0) {
      const reason = failed.map((f) => (f.error instanceof Error ? f.error.message : String(f.error))).join('; ');
      throw errors.logRotate(failed.map((f) => f.path).join(', '), reason, {
        cause: failed[0]?.error,
        data: { rotated: files, failed: failed.map((f) => f.path) },
      });
    }
    return { files };
  }

  private adopt(source: string, file: string): FileSink {
    const sink = new FileSink(file, sinkOptions(this.config));
    const where = { source, path: file };
    sink.on('rotated', (r: RotateResult) => this.emit('rotated', { ...where, to: r.to }));
    sink.on('error-state', (error: SinkError) => {
      this.emit('error-state', { ...where, error });
      this.tellFollowers(source, { level: 'error', message: `cannot write ${file} (${error.code}): its lines are dropped, and counted, until it can`, code: error.code });
    });
    sink.on('recovered', (dropped: number) => {
      this.emit('recovered', { ...where, dropped });
      this.tellFollowers(source, { level: 'warn', message: `${file} is writable again; ${dropped} lines could not be written and are lost`, dropped });
    });
    sink.on('compress-error', (error: SinkError) => this.emit('compress-error', { ...where, error }));
    this.sinks.set(source, sink);
    this.updateTaps();
    return sink;
  }

  private updateTaps(): void {
    const all = this.followers.has(null);
    for (const [source, sink] of this.sinks) {
      const follow = all || this.followers.has(source);
      const mirror = source === CORE_SOURCE ? null : this.mirrorTo;
      sink.onWrite = !follow && !mirror ? null : (text) => {
        if (mirror) {
          try { mirror(source, text); } catch { /* the mirror's failure is its own; the write already happened */ }
        }
        if (follow) this.deliver(source, text);
      };
    }
  }

  /**
   * A follower sees the lines that reach the file; lines a failing file drops would vanish from
   * its stream without a word, so it is told when they start and how many there were.
   */
  private tellFollowers(source: string, notice: Record<string, unknown>): void {
    if (!this.followers.has(source) && !this.followers.has(null)) return;
    this.deliver(source, `${JSON.stringify({ time: isoTime(), ...notice, notice: true })}\n`);
  }

  private deliver(source: string, text: string): void {
    // A listener that itself logs (to agentd.log) must not feed its own follow stream forever.
    if (this.delivering) return;
    this.delivering = true;
    try {
      const listeners = [...(this.followers.get(source) ?? []), ...(this.followers.get(null) ?? [])];
      const lines = text.split('\n');
      lines.pop();
      for (const line of lines) {
        for (const listener of listeners) {
          try {
            listener(source, line);
          } catch { /* a follower's failure is its own; the write already happened */ }
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}

function sinkOptions(config: LogsConfig): Omit<FileSinkOptions, 'mode'> {
  return { maxSize: config.maxSize, keep: config.keep, compress: config.compress };
}

