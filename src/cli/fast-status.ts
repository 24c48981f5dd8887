import { resolveHome } from '../home/paths.js';
import { printStatus } from './print-status.js';

/**
 * `ctl status [--home DIR] [--json]` without oclif. Returns null for any other argument (such as
 * --help), which the full CLI then handles.
 */
export async function fastStatus(args: readonly string[]): Promise<number | null> {
  let home: string | undefined;
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--home' && args[i + 1] !== undefined) home = args[++i];
    else if (a.startsWith('--home=')) home = a.slice('--home='.length);
    else return null;
  }
  return printStatus(resolveHome(home), json);
}
