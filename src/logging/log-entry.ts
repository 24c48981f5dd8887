import type { LogEntry } from '../rpc/wire-types.js';

/** Lines are JSON objects we wrote ourselves; anything else (a torn line, say) is kept as text. */
export function toEntry(source: string, line: string): LogEntry {
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return { source, ...parsed };
  } catch { /* fall through */ }
  return { source, message: line };
}
