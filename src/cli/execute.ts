import { Config, flush, handle, run, settings } from '@oclif/core';
import { jsonFlagGiven, reportFailure } from './output.js';
import { usageError } from './parse-errors.js';

/**
 * oclif's `execute`, except that a command line refused by a command that is not ours (the
 * autocomplete plugin's: `ctl autocomplete fish`) fails as ours do, with one `ctl: …` line and
 * exit 2 (and a JSON error under --json), instead of oclif's two-line ` ›   Error:` block.
 */
export async function execute(options: { dir: string; development?: boolean }): Promise<void> {
  if (options.development) {
    process.env['NODE_ENV'] = 'development';
    settings.debug = true;
  }
  const argv = process.argv.slice(2);
  try {
    await run(argv, options.dir);
    await flush();
  } catch (error) {
    if ((error as { parse?: unknown }).parse === undefined) return handle(error as Error);
    process.exitCode = reportFailure(usageError(error, await commandId(argv, options.dir)), jsonFlagGiven(argv));
  }
}

/** The id of the command the words of argv name (`autocomplete`), for the `--help` hint. */
async function commandId(argv: readonly string[], dir: string): Promise<string | undefined> {
  const config = await Config.load(dir);
  const firstFlag = argv.findIndex((a) => a.startsWith('-'));
  const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag);
  for (let n = words.length; n > 0; n--) {
    const id = words.slice(0, n).join(':');
    if (config.findCommand(id)) return id;
  }
  return undefined;
}
