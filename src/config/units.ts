/** Parsers for the human units the config accepts: durations ("250ms", "10s", "5m") and sizes ("10MB"). */

const DURATION_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3,
};

/**
 * Milliseconds from a number (already ms) or a string such as "1.5s"; null when malformed. Whole
 * milliseconds, except for microseconds ("50us"), which only a setting below a millisecond uses.
 * A string needs a unit ("50" could mean 50us as well as 50ms), except "0", which is 0 in any.
 */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (/^\s*0+(?:\.0+)?\s*$/.test(value)) return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h|d)\s*$/i.exec(value);
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const ms = Number(m[1]) * DURATION_UNITS[unit]!;
  return unit === 'us' ? ms : Math.round(ms);
}

/** Bytes from a number (already bytes) or a string such as "10MB" or "1 MiB"; null when malformed. */
export function parseSize(value: number | string): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  if (!m) return null;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? null : Math.round(Number(m[1]) * unit);
}

/**
 * The forms a duration setting accepts, for its error message; a setting below a millisecond
 * (`max` in ms) gets examples of its own scale.
 */
export function durationForms(max = Infinity): string {
  return `0, a number of milliseconds, or a string with a unit (us, ms, s, m, h, d) such as ${max <= 1 ? '"50us" or "1ms"' : '"250ms", "10s" or "5m"'}`;
}

export function formatDuration(ms: number): string {
  if (ms > 0 && ms < 1) return `${Math.round(ms * 1000)}us`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
  return `${Math.floor(ms / 86_400_000)}d${Math.floor((ms % 86_400_000) / 3_600_000)}h`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
