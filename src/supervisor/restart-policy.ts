import type { PluginEntry } from '../config/index.js';
import type { ExitInfo } from '../rpc/wire-types.js';
import { backoffDelay, nextAttempt } from './backoff.js';
import type { CrashWindow } from './crash-window.js';

/** What to do after a plugin went down unasked. */
export type RestartDecision =
  | { action: 'stay-down'; state: 'stopped' | 'failed' }
  | { action: 'give-up' }
  | { action: 'restart'; attempt: number; delay: number };

export interface DownEvent {
  /** The exit, or undefined when the start itself failed (which always counts as a crash). */
  exit?: ExitInfo | undefined;
  /** agentd ended the run (memory limit, health check): a failure whatever the exit code says. */
  ended?: boolean;
  /** How long the process ran after becoming ready; null when it never did. */
  runMs: number | null;
  /** The attempt count so far in this run of quick crashes. */
  attempt: number;
  now: number;
}

/**
 * The restart policy, as one decision: `restart` (always / on-failure / never) says whether to
 * restart at all; the crash-loop window can refuse (give up: `failed`); otherwise the backoff
 * gives the delay. Records the restart in `crashes` when it allows one.
 */
export function decideRestart(entry: PluginEntry, crashes: CrashWindow, down: DownEvent): RestartDecision {
  const crashed = down.ended === true || !down.exit || down.exit.code !== 0 || down.exit.signal !== null;
  const wanted = entry.restart === 'always' || (entry.restart === 'on-failure' && crashed);
  if (!wanted) return { action: 'stay-down', state: crashed ? 'failed' : 'stopped' };
  if (!crashes.tryRecord(down.now)) return { action: 'give-up' };
  const attempt = nextAttempt(down.attempt, down.runMs, entry.backoff);
  return { action: 'restart', attempt, delay: backoffDelay(attempt, entry.backoff) };
}
