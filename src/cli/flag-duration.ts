import { formatDuration, parseDuration } from '../config/units.js';
import { errors } from '../errors/index.js';

/**
 * A duration flag (`--timeout 10s`, `--watchdog 30s`) in ms. As in the config, a bare number is
 * ms (`--timeout 5000`); a value under `minMs` (a 0 s timeout, which the launcher would read as
 * its default) is a usage error naming the flag.
 */
export function flagDuration(flag: string, value: string, example: string, minMs = 1): number {
  const ms = parseDuration(/^\s*\d+(?:\.\d+)?\s*$/.test(value) ? Number(value) : value);
  if (ms === null || ms < minMs) {
    throw errors.usage(`--${flag} ${value}: give a duration of at least ${formatDuration(minMs)}, such as "${example}" (a bare number is ms)`);
  }
  return ms;
}
