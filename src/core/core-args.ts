/** What `ctl start` passes the core (src/cli/daemon-control.ts, through the native launcher). */
export interface CoreArgs {
  home?: string;
  config?: string;
  watch: boolean;
  foreground: boolean;
}

/**
 * The launcher's arguments, `--home H [--config C] [--watch] [--foreground]` (`--opt=value` too);
 * anything else throws. Not util.parseArgs: its module, loaded for these four, was some 0.1 MB of
 * the idle core's memory.
 */
export function parseCoreArgs(argv: readonly string[]): CoreArgs {
  const out: CoreArgs = { watch: false, foreground: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (name === '--home' || name === '--config') {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new TypeError(`option ${name} needs a value`);
      out[name === '--home' ? 'home' : 'config'] = value;
    } else if ((name === '--watch' || name === '--foreground') && eq === -1) {
      out[name === '--watch' ? 'watch' : 'foreground'] = true;
    } else {
      throw new TypeError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return out;
}
