import { Args, Command, Flags, loadHelpClass } from '@oclif/core';
import { errors } from '../../errors/index.js';
import { reportFailure } from '../output.js';
import { usageError } from '../parse-errors.js';

/**
 * `ctl help [COMMAND]`: oclif's help, as @oclif/plugin-help has it, defined here so that it too
 * shows examples (every command's help does) without a plugin for twenty lines.
 */
export default class Help extends Command {
  static override summary = 'Show help for ctl or for one of its commands.';
  static override examples = [
    '<%= config.bin %> help',
    '<%= config.bin %> help plugins scale',
    '<%= config.bin %> help plugins --nested-commands   # every plugins subcommand too',
  ];
  static override args = {
    command: Args.string({ description: 'the command to show help for, e.g. `plugins scale`', required: false }),
  };
  static override flags = {
    'nested-commands': Flags.boolean({ char: 'n', description: 'include every nested command in the list' }),
  };
  // The command's words are taken as they come: `ctl help plugins scale`.
  static override strict = false;

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Help).catch((e: unknown) => this.exit(reportFailure(usageError(e, this.id), false)));
    const asked = argv as string[];
    const id = asked.join(':');
    if (id && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      this.exit(reportFailure(errors.usage(`no command or topic ${JSON.stringify(asked.join(' '))}; see \`ctl help\` for the commands`), false));
    }
    const HelpClass = await loadHelpClass(this.config);
    await new HelpClass(this.config, { all: flags['nested-commands'] }).showHelp(asked);
  }
}
