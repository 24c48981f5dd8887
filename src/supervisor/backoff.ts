import type { PluginEntry } from '../config/index.js';

export type BackoffSettings = PluginEntry['backoff'];

/**
 * The delay before restart number `attempt` in a run of quick crashes. Attempt 0 is the first
 * crash after a stable run: it restarts at once, because a plugin that crashes once a day should be
 * back immediately. Later attempts grow exponentially from `initial` up to `max`, spread by
 * `jitter` so that plugins crashing together do not restart in step.
 */
export function backoffDelay(attempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  const base = Math.min(settings.max, settings.initial * settings.factor ** (attempt - 1));
  const spread = base * settings.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(settings.max, base + spread)));
}

/** The attempt number after a crash: a stable run starts the count over. */
export function nextAttempt(previous: number, runMs: number | null, settings: BackoffSettings): number {
  return runMs !== null && runMs >= settings.resetAfter ? 0 : previous + 1;
}
