import type { LogEntry } from '../../rpc/wire-types.js';

const KNOWN = new Set(['source', 'time', 'level', 'stream', 'message', 'pid', 'instance', 'component']);

/** One log line for a terminal: `time source[pid] level|stream message key=value…`. */
export function renderLogEntry(e: LogEntry): string {
  const time = typeof e.time === 'string' ? e.time.replace('T', ' ').replace('Z', '') : '';
  const who = `${e.source}${typeof e.pid === 'number' ? `[${e.pid}]` : ''}${typeof e.component === 'string' ? `/${e.component}` : ''}`;
  const kind = e.level ?? e.stream ?? '';
  const extra = Object.entries(e).filter(([k]) => !KNOWN.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? visible(v) : JSON.stringify(v)}`);
  return [time, who, kind, visible(String(e.message ?? '')), ...extra].filter((s) => s !== '').join(' ');
}

// Control characters but the tab: a newline, \r or an escape sequence from a plugin's output
// would break the one-line layout or act on the operator's terminal. `--json` keeps them as sent.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/** `text` with its control characters written as `\xNN`. */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
