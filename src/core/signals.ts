import { describeError } from '../errors/describe.js';
import type { Daemon } from './daemon.js';

/** SIGTERM/SIGINT stop gracefully, SIGHUP reloads the config, SIGUSR2 reopens the log files. */
export function installSignalHandlers(daemon: Daemon, exit: (code: number) => void): void {
  const stop = (signal: string) => () => {
    daemon.stop(signal).then(() => { daemon.removePidfile(); exit(0); }, () => { daemon.removePidfile(); exit(1); });
  };
  process.on('SIGTERM', stop('SIGTERM'));
  process.on('SIGINT', stop('SIGINT'));
  daemon.requestStop = (reason) => stop(reason)();
  process.on('SIGHUP', () => {
    daemon.reload().catch((e: unknown) => daemon.log.error('reload on SIGHUP refused', { error: describeError(e) }));
  });
  process.on('SIGUSR2', () => { daemon.reopenLogs('SIGUSR2'); });
}

export interface StartupSignals {
  /** Aborted, with the signal's name as reason, by SIGTERM or SIGINT during start-up. */
  readonly stop: AbortSignal;
  /** Once started: the real handlers take over, and a SIGHUP or SIGUSR2 held back is acted on now. */
  handOver(daemon: Daemon, exit: (code: number) => void): void;
}

const HELD = ['SIGHUP', 'SIGUSR2'] as const;

/**
 * Handlers for the start-up, installed before anything else: without them a signal then kills the
 * core with the default disposition, leaving its socket, pidfile and plugin hosts behind. SIGTERM
 * and SIGINT abort the start (Daemon.start undoes what it did); SIGHUP and SIGUSR2 are held back
 * and acted on once the core is ready, since the config and logs they refer to are just opening.
 */
export function installStartupSignalHandlers(): StartupSignals {
  const controller = new AbortController();
  const held = new Set<NodeJS.Signals>();
  const onStop = (signal: NodeJS.Signals) => { if (!controller.signal.aborted) controller.abort(signal); };
  const onHeld = (signal: NodeJS.Signals) => { held.add(signal); };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  for (const s of HELD) process.on(s, onHeld);
  return {
    stop: controller.signal,
    handOver(daemon, exit) {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
      for (const s of HELD) process.off(s, onHeld);
      installSignalHandlers(daemon, exit);
      // A stop that came after the start had finished but before this hand-over.
      if (controller.signal.aborted) process.emit('SIGTERM', 'SIGTERM');
      for (const s of held) process.emit(s, s);
    },
  };
}
