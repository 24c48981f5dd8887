import fs from 'node:fs';

/** What `ctl start` passes the core (src/cli/daemon-control.ts, through the native launcher). */
export interface CoreArgs {
  home?: string;
  config?: string;
  watch: boolean;
  foreground: boolean;
  /** `ctl start --foreground --json`: a failure also ends stdout with its JSON error record. */
  json: boolean;
}

/**
 * The launcher's arguments, `--home H [--config C] [--watch] [--foreground] [--json]` (`--opt=value` too);
 * anything else throws. Not util.parseArgs: its module, loaded for these few, was some 0.1 MB of
 * the idle core's memory.
 */
export function parseCoreArgs(argv: readonly string[]): CoreArgs {
  const out: CoreArgs = { watch: false, foreground: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (name === '--home' || name === '--config') {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new TypeError(`option ${name} needs a value`);
      out[name === '--home' ? 'home' : 'config'] = value;
    } else if ((name === '--watch' || name === '--foreground' || name === '--json') && eq === -1) {
      out[name.slice(2) as 'watch' | 'foreground' | 'json'] = true;
    } else {
      throw new TypeError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return out;
}

/**
 * The core's arguments also travel in its environment, for `ctl restart` of a core whose socket
 * does not answer yet (still loading its config): /proc/PID/cmdline is gone once the core sets
 * process.title, while /proc/PID/environ keeps the block the core was exec'd with.
 */
export const CORE_ARGS_VAR = 'AGENTD_CORE_ARGS';

/** What the core `pid` was started with, from its environment; null when that cannot be read. */
export function readCoreArgs(pid: number): CoreArgs | null {
  try {
    const prefix = `${CORE_ARGS_VAR}=`;
    const entry = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((e) => e.startsWith(prefix));
    const argv: unknown = entry === undefined ? null : JSON.parse(entry.slice(prefix.length));
    return Array.isArray(argv) && argv.every((a) => typeof a === 'string') ? parseCoreArgs(argv) : null;
  } catch {
    return null;
  }
}
