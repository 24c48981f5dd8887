import { logsFollow, logsReopen, logsRotate, logsTail, notificationStream, type LogEntry } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';

export function registerLogsMethods(daemon: Daemon): void {
  const { registry, logs, events, log } = daemon;

  // Each rotated file is announced by the log manager (see forwardLogEvents), as size rotations are.
  registry.register(logsRotate, async () => {
    const result = await logs.rotateAll();
    log.info('logs rotated', { files: result.files.length });
    return result;
  });

  registry.register(logsReopen, () => {
    logs.reopenAll();
    const files = logs.status().files.map((f) => f.path);
    // Said as SIGUSR2 says it: an operator reading agentd.log sees every reopen, however asked.
    log.info('log files reopened on logs.reopen', { files: files.length });
    events.emit({ type: 'logs.reopened', files });
    return { files };
  });

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
      const entry = toEntry(from, line);
      if (pending) pending.push(entry);
      else send(entry);
    });
    connection.onClose(stop);
    const history = source !== null && lines > 0 ? logs.tail(source, lines) : Promise.resolve([]);
    const result = { following: source ?? 'all', history: (await history).map((l) => toEntry(source ?? 'agentd', l)) };
    setImmediate(() => {
      const queued = pending ?? [];
      pending = null;
      for (const e of queued) send(e);
    });
    return result;
  });
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

/** Lines are JSON objects we wrote ourselves; anything else (a torn line, say) is kept as text. */
export function toEntry(source: string, line: string): LogEntry {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { source, ...parsed };
  } catch { /* fall through */ }
  return { source, message: line };
}
