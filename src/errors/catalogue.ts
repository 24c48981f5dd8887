import { AgentdError, type AgentdErrorOptions } from './agentd-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * The error catalogue: every error agentd raises, with its stable code, its JSON-RPC code and the
 * exit code of a `ctl` command that it ends. Messages are one line: what failed, then what to do.
 * The README's "Error codes" table is this list.
 */
function entry<A extends unknown[]>(code: string, rpcCode: number, exitCode: ExitCode, message: (...args: A) => string) {
  const make = (...args: [...A, AgentdErrorOptions?]): AgentdError => {
    const last = args.length > message.length ? (args[args.length - 1] as AgentdErrorOptions | undefined) : undefined;
    return new AgentdError(code, rpcCode, exitCode, message(...(args.slice(0, message.length) as A)), last ?? {});
  };
  return Object.assign(make, { code, rpcCode, exitCode, template: message });
}

const F = ExitCode.Failure;

/** The plugins (`name#N` per instance) a start was still waiting for, after a colon; none: nothing. */
/** Why a running core's socket is silent, as far as ctl can tell from outside. */
export type SilentWhy = 'stopped' | 'missing' | 'not-a-socket' | 'silent';

function silentAdvice(pid: number | null, why: SilentWhy): string {
  switch (why) {
    case 'stopped': return `does not answer; the process is stopped (SIGSTOP): resume it with \`kill -CONT ${pid}\`, or stop it with \`ctl stop\``;
    case 'missing': return 'is missing (deleted?); the core makes it again within a second: try again, or restart it with `ctl restart`';
    case 'not-a-socket': return 'was replaced by a file that is not a socket; move that file away and the core makes its socket again within a second';
    default: return 'does not answer; wait if it is starting, or stop it with `ctl stop`';
  }
}

function stillStarting(starting: readonly string[]): string {
  return starting.length > 0 ? `: plugins still starting: ${starting.join(', ')}` : '';
}
const C = ExitCode.Config;

export const errors = {
  // JSON-RPC protocol (spec codes).
  parseError: entry('E_RPC_PARSE', -32700, F, (detail: string) => `parse error: ${detail}`),
  invalidRequest: entry('E_RPC_INVALID_REQUEST', -32600, F, (detail: string) => `invalid request: ${detail}`),
  lineTooLong: entry('E_RPC_LINE_TOO_LONG', -32600, F, (limit: number) =>
    `invalid request: message exceeds the ${limit}-byte line limit; the connection is closed`),
  methodNotFound: entry('E_RPC_METHOD_NOT_FOUND', -32601, ExitCode.Usage, (method: string) =>
    `method not found: ${method}; \`ctl rpc rpc.methods\` lists the methods`),
  invalidParams: entry('E_RPC_INVALID_PARAMS', -32602, ExitCode.Usage, (method: string, detail: string) =>
    `invalid params for ${method}: ${detail}`),
  internal: entry('E_INTERNAL', -32603, F, (detail: string) =>
    `internal error: ${detail}; see agentd.log for details`),

  // Reaching the daemon.
  notRunning: entry('E_NOT_RUNNING', -32001, ExitCode.NotRunning, (home: string) =>
    `agentd is not running (home ${home}); start it with \`ctl start\``),
  connectFailed: entry('E_CONNECT', -32002, F, (socket: string, reason: string) =>
    `cannot connect to ${socket}: ${reason}; check \`ctl status\``),
  connectionClosed: entry('E_CONNECTION_CLOSED', -32003, F, (detail: string) =>
    `connection to agentd closed ${detail}; check \`ctl status\` and agentd.log`),
  rpcTimeout: entry('E_RPC_TIMEOUT', -32004, F, (method: string, ms: number) =>
    `${method} got no answer within ${ms} ms; check \`ctl status\` and agentd.log`),
  notResponding: entry('E_NOT_RESPONDING', -32005, F, (pid: number | null, socket: string, why: SilentWhy) =>
    `agentd is running (pid ${pid ?? 'unknown'}) but its control socket ${socket} ${silentAdvice(pid, why)}`),
  tooManyConnections: entry('E_TOO_MANY_CONNECTIONS', -32006, F, (limit: number) =>
    `agentd already serves ${limit} control-socket connections (rpc.maxConnections); close idle clients or raise the limit`),

  // Starting and stopping the daemon.
  alreadyRunning: entry('E_ALREADY_RUNNING', -32010, F, (pid: number | null) =>
    `already running (pid ${pid ?? 'unknown'}); use \`ctl restart\` to restart it`),
  startFailed: entry('E_START_FAILED', -32011, F, (detail: string) => detail),
  startTimeout: entry('E_START_TIMEOUT', -32012, F, (ms: number, starting: readonly string[]) =>
    `agentd did not report ready within ${ms} ms and was stopped${stillStarting(starting)}; see ${starting.length > 0 ? '`ctl logs NAME` and ' : ''}agentd.log`),
  stopTimeout: entry('E_STOP_TIMEOUT', -32013, F, (pid: number, ms: number) =>
    `agentd (pid ${pid}) did not stop within ${ms} ms, even after SIGKILL; check the process by hand`),
  nativeHelperMissing: entry('E_NATIVE_MISSING', -32014, F, (path: string) =>
    `native helper not found at ${path}; run \`npm install\` (it builds it with node-gyp)`),
  restartRefused: entry('E_RESTART_REFUSED', -32015, F, (detail: string, pid: number) =>
    `not restarted: ${detail}; agentd (pid ${pid}) is still running its current config`),
  stoppedWhileStarting: entry('E_STOPPED_WHILE_STARTING', -32018, F, (signal: string, starting: readonly string[]) =>
    `agentd was stopped by ${signal} while starting${stillStarting(starting)}; its plugins were stopped and nothing is left running`),
  restartForeground: entry('E_RESTART_FOREGROUND', -32017, F, (pid: number) =>
    `agentd (pid ${pid}) runs in the foreground under a service manager; restart it there, e.g. \`systemctl restart agentd\` or a restart of its container`),
  restartFailed: entry('E_RESTART_FAILED', -32016, F, (detail: string, pid: number) =>
    `${detail}; the previous agentd (pid ${pid}) was stopped, so none runs now: fix that, then \`ctl start\``),

  // The home directory and its files.
  homeUnsafe: entry('E_HOME_UNSAFE', -32020, F, (home: string, why: string, remedy: string) =>
    `home ${home} is unsafe: ${why}; ${remedy}`),
  socketPathTooLong: entry('E_SOCKET_PATH_TOO_LONG', -32021, F, (path: string, max: number) =>
    `socket path ${path} is ${Buffer.byteLength(path)} bytes, over the OS limit of ${max}; use a shorter --home`),
  socketInUse: entry('E_SOCKET_IN_USE', -32022, F, (path: string, reason: string) =>
    `cannot listen on ${path}: ${reason}`),

  // Configuration.
  configNotFound: entry('E_CONFIG_NOT_FOUND', -32030, C, (path: string) =>
    `config file ${path} does not exist; check --config`),
  configUnreadable: entry('E_CONFIG_UNREADABLE', -32031, C, (path: string, reason: string) =>
    `cannot load config ${path}: ${reason}`),
  configInvalid: entry('E_CONFIG_INVALID', -32032, C, (source: string, issues: string) =>
    `invalid config${source ? ` ${source}` : ''}: ${issues}`),
  configAmbiguous: entry('E_CONFIG_AMBIGUOUS', -32033, C, (dir: string, files: string[]) =>
    `several config files in ${dir}: ${files.join(', ')}; keep one and remove the others (or name one with --config)`),

  // Plugins.
  pluginNotFound: entry('E_PLUGIN_NOT_FOUND', -32040, F, (name: string, known: string[]) =>
    `no plugin named ${JSON.stringify(name)}; ${known.length ? `known: ${known.join(', ')}` : 'no plugins are configured'}`),
  pluginLoad: entry('E_PLUGIN_LOAD', -32041, F, (name: string, reason: string) =>
    `plugin ${name}: cannot load module: ${reason}`),
  pluginModuleNotFound: entry('E_PLUGIN_MODULE_NOT_FOUND', -32064, C, (name: string, missing: string, todo: string) =>
    `plugin ${name}: ${missing}; ${todo}`),
  pluginShape: entry('E_PLUGIN_SHAPE', -32042, F, (name: string, reason: string) => `plugin ${name}: ${reason}`),
  pluginNameReserved: entry('E_PLUGIN_NAME_RESERVED', -32043, F, (name: string) =>
    `plugin name ${JSON.stringify(name)} is reserved (daemon, logs, plugins, events, rpc, agentd); rename the plugin`),
  pluginNameInvalid: entry('E_PLUGIN_NAME_INVALID', -32044, F, (name: string) =>
    `plugin name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and dashes, starting with a letter`),
  pluginNameMismatch: entry('E_PLUGIN_NAME_MISMATCH', -32045, F, (key: string, file: string, declared: string) =>
    `plugin ${key}: ${file} declares the name ${JSON.stringify(declared)}; make the config key and the name match`),
  pluginConfigInvalid: entry('E_PLUGIN_CONFIG_INVALID', -32046, C, (issues: string) => `invalid config: ${issues}`),
  pluginStartFailed: entry('E_PLUGIN_START_FAILED', -32047, F, (name: string, reason: string) =>
    `plugin ${name}: start failed: ${reason}`),
  pluginStartTimeout: entry('E_PLUGIN_START_TIMEOUT', -32048, F, (name: string, ms: number, todo: string) =>
    `plugin ${name}: not ready within its start timeout of ${ms} ms; ${todo}`),
  pluginNotRunning: entry('E_PLUGIN_NOT_RUNNING', -32049, F, (name: string, state: string) =>
    `plugin ${name} is ${state}, not running; ${notRunningRemedy(name, state)}`),
  pluginMethodInvalid: entry('E_PLUGIN_METHOD_INVALID', -32050, F, (name: string, method: string, why: string) =>
    `plugin ${name}: cannot expose method ${JSON.stringify(method)}: ${why}`),
  pluginRpcTimeout: entry('E_PLUGIN_RPC_TIMEOUT', -32051, F, (method: string, ms: number) =>
    `${method} got no answer from its plugin within ${ms} ms`),
  pluginMethodFailed: entry('E_PLUGIN_METHOD_FAILED', -32052, F, (method: string, reason: string) =>
    `${method} failed: ${reason}`),
  pluginListen: entry('E_PLUGIN_LISTEN', -32053, F, (address: string, reason: string) =>
    `cannot listen on ${address}: ${reason}`),
  pluginStopped: entry('E_PLUGIN_STOPPED', -32054, F, (name: string) =>
    `plugin ${name} was stopped before it became ready`),
  pluginExited: entry('E_PLUGIN_EXITED', -32055, F, (name: string, how: string) =>
    `plugin ${name} exited ${how}; see \`ctl logs ${name}\``),
  pluginBusy: entry('E_PLUGIN_BUSY', -32056, F, (name: string, state: string) =>
    `plugin ${name} is ${state}; try again when it settles (\`ctl plugins\`)`),
  pluginInstanceNotFound: entry('E_PLUGIN_INSTANCE_NOT_FOUND', -32057, ExitCode.Usage, (name: string, index: number, labels: string[]) =>
    `plugin ${name} has no instance #${index}; it runs ${labels.length}: ${labels.join(', ')}`),
  pluginEnded: entry('E_PLUGIN_ENDED', -32058, F, (name: string, reason: string) =>
    `plugin ${name} ended by agentd: ${reason}; see \`ctl logs ${name}\``),
  pluginScaleFailed: entry('E_PLUGIN_SCALE_FAILED', -32059, F, (name: string, to: number, from: number, reason: string) =>
    `${name} not scaled to ${to}: ${reason}; it runs ${from} as before (see \`ctl logs ${name}\`)`),
  pluginReloadFailed: entry('E_PLUGIN_RELOAD_FAILED', -32062, F, (name: string, reason: string, kept: string) =>
    `${name} not reloaded: ${reason}; still on the old process: ${kept} (see \`ctl logs ${name}\`)`),
  pluginSettingsKept: entry('E_PLUGIN_SETTINGS_KEPT', -32063, F, (name: string, reason: string, down: string[]) =>
    `${name} keeps its previous settings, ${down.length === 0 ? 'which still serve' : `but ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} not running`}: the new ones did not start (${reason}); fix plugins.${name} in the config and run \`ctl reload\` again (see \`ctl logs ${name}\`)`),

  // Logs.
  logWrite: entry('E_LOG_WRITE', -32060, F, (path: string, reason: string) =>
    `cannot write ${path}: ${reason}; free disk space or fix permissions, lines meanwhile are counted as dropped`),
  logRotate: entry('E_LOG_ROTATE', -32061, F, (path: string, reason: string) =>
    `cannot rotate ${path}: ${reason}`),

  // Command line.
  usage: entry('E_USAGE', -32070, ExitCode.Usage, (detail: string) => detail),

  // Files the CLI writes (systemd units, plugin scaffolds).
  fileExists: entry('E_FILE_EXISTS', -32080, F, (path: string, remedy: string) =>
    `${path} already exists; ${remedy}`),
  fileWrite: entry('E_FILE_WRITE', -32081, F, (path: string, reason: string, remedy: string) =>
    `cannot write ${path}: ${reason}; ${remedy}`),
} as const;

/** What to do about a plugin that is not running, by its state: start it, or wait for it. */
function notRunningRemedy(label: string, state: string): string {
  const name = label.replace(/#\d+$/, '');
  if (state === 'failed') return `\`ctl status\` says why; \`ctl plugins restart ${name}\` starts it again`;
  if (state === 'starting' || state === 'backoff' || state === 'stopping') return `try again once it is running (\`ctl plugins\` shows its state)`;
  return `\`ctl plugins start ${name}\` starts it`;
}

export type ErrorFactory = (typeof errors)[keyof typeof errors];
