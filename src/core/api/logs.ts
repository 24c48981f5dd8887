import { logsFollow, logsReopen, logsRotate, logsTail, notificationStream, type LogEntry } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';
import type { LogManager } from '../../logging/index.js';
import { toEntry } from '../../logging/log-entry.js';
import { newestWithin, TAIL_MAX_BYTES } from '../../logging/tail.js';
import type { JsonPieces } from '../../rpc/json-text.js';
import { EntriesJson, tailReply } from './tail-reply.js';

export function registerLogsMethods(daemon: Daemon): void {
  const { registry, logs, log } = daemon;

  // Each rotated file is announced by the log manager (see forwardLogEvents), as size rotations are.
  registry.register(logsRotate, async () => {
    const result = await logs.rotateAll();
    log.info('logs rotated', { files: result.files.length });
    return result;
  });

  registry.register(logsReopen, () => daemon.reopenLogs('logs.reopen'));

  registry.register(logsTail, async ({ plugin, lines }) => {
    const source = checkSource(daemon, plugin);
    const read = logs.openTailBatches(source);
    return tailReply((each) => read(lines, TAIL_MAX_BYTES, each), source);
  });

  registry.register(logsFollow, async ({ plugin, lines }, { connection }) => {
    const source = plugin === undefined ? null : checkSource(daemon, plugin);
    const send = notificationStream<LogEntry>(connection, 'log', (count, next) =>
      ({ source: next.source, dropped: count, message: `${count} lines not sent: this client read too slowly` }));
    // Follow, then tail in the same tick: the tail reads up to the size the file has now, and every
    // later line reaches the listener, so history and stream meet with no gap and no line twice.
    // Live lines wait until the reply (with the history) is out.
    let pending: LogEntry[] | null = [];
    const stop = logs.follow(source, (from, line) => {
      const entry = sharedEntry(from, line);
      if (pending) pending.push(entry);
      else send(entry);
    });
    connection.onClose(stop);
    const result = await historyOf(logs, source, lines);
    setImmediate(() => {
      const queued = pending ?? [];
      pending = null;
      for (const e of queued) send(e);
    });
    return result;
  });
}

/**
 * The follow's result, `{ following, history }`: the last `lines` lines of the log followed
 * (every log when `source` is null) within TAIL_MAX_BYTES, oldest first, serialized as they are
 * read (see EntriesJson). Of several logs, merged by their time (every line agentd writes starts
 * with it): the logs are read one after another, each merged into what is kept so far and cut
 * back to the bound, so at most two logs' lines are held at once, as text. Every tail is opened
 * in the tick the follow began.
 */
async function historyOf(logs: LogManager, source: string | null, lines: number): Promise<JsonPieces<{ following: string; history: LogEntry[] }>> {
  const json = new EntriesJson(`{"following":${JSON.stringify(source ?? 'all')},"history":[`);
  if (lines === 0) return json.finish();
  if (source !== null) {
    await logs.openTailBatches(source)(lines, TAIL_MAX_BYTES, json.lines(source));
    return json.finish();
  }
  const reads = logs.sources().map((s) => ({ source: s, read: logs.openTail(s) }));
  let kept: Kept[] = [];
  for (const { source: from, read } of reads) {
    const more = (await read(lines, TAIL_MAX_BYTES)).map((line) => ({ source: from, line, time: timeOf(from, line), bytes: Buffer.byteLength(line) + 1 }));
    // Array.prototype.sort is stable: lines of one log with the same time keep their order.
    kept = newestWithin(reads.length === 1 ? more : [...kept, ...more].sort(byTime), lines, TAIL_MAX_BYTES, (k) => k.bytes);
  }
  for (const k of kept) json.add(k.source, k.line);
  return json.finish();
}

/** A line kept for a merged history: its text, not its entry, which is made only to serialize it. */
interface Kept { source: string; line: string; time: string; bytes: number }

function timeOf(source: string, line: string): string {
  const { time } = toEntry(source, line);
  return typeof time === 'string' ? time : '';
}

function byTime(a: Kept, b: Kept): number {
  return a.time < b.time ? -1 : a.time > b.time ? 1 : 0;
}

function checkSource(daemon: Daemon, plugin: string | undefined): string {
  if (plugin === undefined || plugin === 'agentd') return 'agentd';
  try {
    daemon.plugins.get(plugin);
  } catch (error) {
    // A plugin removed from the config leaves its log, which `ctl logs NAME` can still read.
    if (daemon.logs.hasLog(plugin)) return plugin;
    throw error;
  }
  return plugin;
}

let lastShared: { source: string; line: string; entry: LogEntry } | null = null;

/**
 * Every follower of a log is handed the same line in a row: parse it once and give them all the
 * same entry (which the connection then serializes once), so a hundred followers cost little more
 * than one while a plugin floods.
 */
function sharedEntry(source: string, line: string): LogEntry {
  if (lastShared?.line === line && lastShared.source === source) return lastShared.entry;
  const entry = toEntry(source, line);
  lastShared = { source, line, entry };
  return entry;
}
