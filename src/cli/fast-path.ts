import { resolveHome } from '../home/paths.js';
import { restartAction, startAction, stopAction } from './daemon-actions.js';
import { reportFailure } from './output.js';
import { printStatus } from './print-status.js';

/**
 * `ctl status|start|stop|restart` without loading oclif (about 85 ms of a command's start-up).
 * Only the plain forms are handled here; any other argument (`--help`, `--foreground`, a typo)
 * returns null and the full CLI takes over, with its parsing, help and errors.
 */
const SPEC: Record<string, { booleans: string[]; strings: string[]; timeout?: string }> = {
  status: { booleans: ['json'], strings: ['home'] },
  start: { booleans: ['json', 'watch'], strings: ['home', 'config', 'timeout'], timeout: '30s' },
  stop: { booleans: ['json'], strings: ['home', 'timeout'] },
  restart: { booleans: ['json', 'watch'], strings: ['home', 'config', 'timeout'] },
};

export async function fastPath(argv: readonly string[]): Promise<number | null> {
  const [command, ...args] = argv;
  const spec = command === undefined ? undefined : SPEC[command];
  if (!spec) return null;
  const flags = parse(args, spec);
  if (!flags) return null;
  const json = flags['json'] === true;
  let home: string;
  try {
    home = resolveHome(flags['home'] as string | undefined ?? undefined);
  } catch (error) {
    return reportFailure(error, json);
  }
  if (command === 'status') return printStatus(home, json);
  const o = { home, json, config: flags['config'] as string | undefined, watch: flags['watch'] === true ? true : undefined, timeout: (flags['timeout'] as string | undefined) ?? spec.timeout };
  if (command === 'start') return startAction(o);
  if (command === 'stop') return stopAction(o);
  return restartAction(o);
}

function parse(args: readonly string[], spec: { booleans: string[]; strings: string[] }): Record<string, string | boolean> | null {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(args[i]!);
    if (!m) return null;
    const [, name, inline] = m as unknown as [string, string, string | undefined];
    if (spec.booleans.includes(name) && inline === undefined) out[name] = true;
    else if (spec.strings.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) return null;
      out[name] = value;
    } else return null;
  }
  // The environment default of --home, as oclif's flag has it.
  if (out['home'] === undefined && process.env['AGENTD_HOME']) out['home'] = process.env['AGENTD_HOME'];
  return out;
}
