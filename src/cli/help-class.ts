import { Help } from '@oclif/core';

/**
 * oclif's help, except that `ctl help --help` describes the help command (with its examples, as
 * every command's help has them): oclif takes the word `help` as no subject and shows ctl's.
 */
export default class CtlHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((a) => !a.startsWith('-'));
    const command = words.length === 1 && words[0] === 'help' && argv.includes('--help') ? this.config.findCommand('help') : undefined;
    if (command) return this.showCommandHelp(command);
    return super.showHelp(argv);
  }
}
