import type { LogEntry } from '../../rpc/wire-types.js';

const KNOWN = new Set(['source', 'time', 'level', 'stream', 'message', 'pid', 'instance', 'component']);

/** One log line for a terminal: `time source[pid] level|stream message key=value…`. */
export function renderLogEntry(e: LogEntry): string {
  const time = typeof e.time === 'string' ? e.time.replace('T', ' ').replace('Z', '') : '';
  const who = `${e.source}${typeof e.pid === 'number' ? `[${e.pid}]` : ''}${typeof e.component === 'string' ? `/${e.component}` : ''}`;
  const kind = e.level ?? e.stream ?? '';
  const extra = Object.entries(e).filter(([k]) => !KNOWN.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [time, who, kind, e.message ?? '', ...extra].filter((s) => s !== '').join(' ');
}
