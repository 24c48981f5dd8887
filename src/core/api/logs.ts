import { logsFollow, logsReopen, logsRotate, logsTail, notificationStream, type LogEntry } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';
import type { LogManager } from '../../logging/index.js';

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
    return { lines: (await logs.tail(source, lines)).map((l) => toEntry(source, l)) };
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
    const result = { following: source ?? 'all', history: lines > 0 ? await historyOf(logs, source === null ? logs.sources() : [source], lines) : [] };
    setImmediate(() => {
      const queued = pending ?? [];
      pending = null;
      for (const e of queued) send(e);
    });
    return result;
  });
}

/**
 * The last `lines` lines of `sources`, oldest first; of several logs, merged by their time (every
 * line agentd writes starts with it). The tails all begin now, in the tick the follow began.
 */
async function historyOf(logs: LogManager, sources: string[], lines: number): Promise<LogEntry[]> {
  const tails = await Promise.all(sources.map(async (s) => (await logs.tail(s, lines)).map((l) => toEntry(s, l))));
  if (tails.length === 1) return tails[0]!;
  const timeOf = (e: LogEntry) => (typeof e.time === 'string' ? e.time : '');
  // Array.prototype.sort is stable: lines of one log with the same time keep their order.
  return tails.flat().sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0)).slice(-lines);
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

/** Lines are JSON objects we wrote ourselves; anything else (a torn line, say) is kept as text. */
export function toEntry(source: string, line: string): LogEntry {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { source, ...parsed };
  } catch { /* fall through */ }
  return { source, message: line };
}
