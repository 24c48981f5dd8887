import { whereInPlugin } from './failure-lines.js';

const realExit = process.exit.bind(process);
let hostExiting = false;

/** The host's own exits, which are explained already (a failure, a crash, a stop). */
export function hostExit(code: number): never {
  hostExiting = true;
  return realExit(code);
}

/**
 * Make a plugin's own process.exit() say where it was called. Otherwise it is the one exit its
 * log would not explain: the core only sees an exit code (0, often, from a leftover CLI idiom).
 * Written to stderr, which is a pipe written synchronously, so it is out before the exit.
 */
export function explainPluginExits(): void {
  process.exit = ((code?: number | string | null) => {
    if (!hostExiting) {
      const where = whereInPlugin(new Error('process.exit'));
      process.stderr.write(`process.exit(${code ?? ''}) called by the plugin${where ? ` (at ${where})` : ''}\n`);
    }
    return realExit(code);
  }) as typeof process.exit;
}
