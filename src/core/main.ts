import { describeError } from '../errors/describe.js';
import { errorRecord, errors, ExitCode, isAgentdError } from '../errors/index.js';
import { CORE_ARGS_VAR, parseCoreArgs } from './core-args.js';
import { becomeSubreaper, onAdoptedKilled } from '../supervisor/index.js';
import { homePaths } from '../home/paths.js';
import { Daemon, removePidfile, type DaemonHooks } from './daemon.js';
import { statusLine, SystemdNotifier } from './notify.js';
import { CORE_READY_EVENT } from './entry-link.js';
import { Readiness } from './readiness.js';
import { installStartupSignalHandlers, type StartupSignals } from './signals.js';

/**
 * The core's entry point, exec'd by the native launcher with the single-instance lock on fd
 * AGENTD_LOCK_FD (held for as long as this process lives) and the readiness pipe on AGENTD_READY_FD.
 */
async function main(): Promise<void> {
  const signals = installStartupSignalHandlers();
  const values = parseCoreArgs(process.argv.slice(2));
  const readiness = new Readiness(process.env['AGENTD_READY_FD']);
  // Node marks the inherited fds close-on-exec itself; the variables must not reach plugins either.
  delete process.env['AGENTD_READY_FD'];
  delete process.env['AGENTD_LOCK_FD'];
  delete process.env[CORE_ARGS_VAR];
  process.umask(0o077);
  process.title = 'agentd';
  if (!values.home) {
    readiness.error('internal: the core was started without --home');
    process.exit(1);
  }
  // What a plugin host leaves when it is killed is reparented here, and killed: see subreaper.ts.
  const subreaper = becomeSubreaper('kill');
  const notify = new SystemdNotifier({ mainPid: values.foreground ? null : process.pid });
  notify.startWatchdog();
  let daemon: Daemon | undefined;
  const status = () => (daemon ? statusLine(daemon.plugins.list()) : 'starting');
  const hooks: DaemonHooks = {
    reloadStarted: () => notify.reloading(),
    reloadFinished: (error) => notify.reloaded(error === null ? status() : `reload refused: ${describeError(error).slice(0, 200)}; ${status()}`),
    stopping: () => notify.stopping(),
    abortingStart: (withinMs, starting) => readiness.stopping(withinMs, starting),
  };
  try {
    daemon = await Daemon.start({ home: values.home, configFile: values.config, watch: values.watch ?? false, foreground: values.foreground ?? false, hooks, stop: signals.stop });
  } catch (error) {
    notify.startFailed(describeError(error));
    readiness.error(describeError(error), isAgentdError(error) ? error.code : undefined);
    // Daemon.start has closed the socket; the lock is still ours, so the pidfile is ours to remove.
    removePidfile(homePaths(values.home));
    const exit = startFailureExit(error);
    if (values.json && exit !== ExitCode.Ok) failureRecord(error, exit);
    process.exit(exit);
  }
  if (!subreaper) daemon.log.warn('cannot become a child subreaper: what a killed plugin host orphans may outlive it');
  const log = daemon.log;
  onAdoptedKilled((processes, plugin) => log.warn('killed what a killed plugin host left running', { ...(plugin ? { plugin } : {}), processes }));
  return run(daemon, readiness, notify, status, signals, values.json);
}

/**
 * Under `ctl start --foreground --json`, the last line on stdout when the core fails, as every
 * `ctl --json` failure ends; stdout is where a container's log collector or a script reads.
 */
function failureRecord(error: unknown, exit: number): void {
  process.stdout.write(errorRecord(error, describeError(error).replace(/\s*\n\s*/g, ' '), exit));
}

/**
 * The core's exit status when its start fails, which a service manager acts on: 78 (EX_CONFIG) for
 * a config that cannot load, so that systemd's RestartPreventExitStatus=78 does not retry it
 * every second; 0 when a signal stopped it while starting, as was asked; else 1.
 */
function startFailureExit(error: unknown): number {
  if (!isAgentdError(error)) return ExitCode.Failure;
  if (error.code === errors.stoppedWhileStarting.code) return ExitCode.Ok;
  return error.exitCode === ExitCode.Config ? ExitCode.Config : ExitCode.Failure;
}

function run(daemon: Daemon, readiness: Readiness, notify: SystemdNotifier, status: () => string, signals: StartupSignals, json: boolean): void {
  notify.onError((error) => daemon.log.warn('sd_notify failed; systemd will not hear from agentd', { error: describeError(error) }));
  daemon.events.subscribe(['plugin.state'], () => notify.status(status()));
  // A rejected promise nobody awaited is a bug in one operation, not a reason to stop supervising.
  process.on('unhandledRejection', (reason) => {
    daemon.log.error('unhandled rejection', { error: describeError(reason), stack: (reason as Error)?.stack });
  });
  process.on('uncaughtException', (error) => {
    daemon.log.error('uncaught exception; stopping', { error: describeError(error), stack: error.stack });
    daemon.stop('uncaught exception').finally(() => {
      daemon.removePidfile();
      if (json) failureRecord(errors.internal(`uncaught exception: ${describeError(error)}`), ExitCode.Failure);
      process.exit(ExitCode.Failure);
    });
  });
  readiness.ready(process.pid);
  notify.ready(status());
  // After READY: a SIGTERM held back until now stops a core that has reported ready, as expected.
  signals.handOver(daemon, (code) => process.exit(code));
  (process as NodeJS.EventEmitter).emit(CORE_READY_EVENT);
}

void main();
