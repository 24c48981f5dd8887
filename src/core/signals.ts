import { describeError } from '../errors/describe.js';
import type { Daemon } from './daemon.js';

/** SIGTERM/SIGINT stop gracefully, SIGHUP reloads the config, SIGUSR2 reopens the log files. */
export function installSignalHandlers(daemon: Daemon, exit: (code: number) => void): void {
  const stop = (signal: string) => () => {
    daemon.stop(signal).then(() => { daemon.removePidfile(); exit(0); }, () => { daemon.removePidfile(); exit(1); });
  };
  process.on('SIGTERM', stop('SIGTERM'));
  process.on('SIGINT', stop('SIGINT'));
  process.on('SIGHUP', () => {
    daemon.reload().catch((e: unknown) => daemon.log.error('reload on SIGHUP refused', { error: describeError(e) }));
  });
  process.on('SIGUSR2', () => {
    daemon.logs.reopenAll();
    daemon.log.info('log files reopened on SIGUSR2');
  });
}
