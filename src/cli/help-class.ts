import { Help } from '@oclif/core';

/**
 * oclif's help, except that `ctl help --help` and `ctl help help` describe the help command (with
 * its examples, as every command's help has them): oclif takes the word `help` as no subject and
 * shows ctl's. The root help comes with no words at all (`ctl help`, `ctl --help`).
 */
export default class CtlHelp extends Help {
  override async showHelp(argv: string[]): Promise<void> {
    const words = argv.filter((a) => !a.startsWith('-'));
    const command = words.length === 1 && words[0] === 'help' ? this.config.findCommand('help') : undefined;
    if (command) return this.showCommandHelp(command);
    return super.showHelp(argv);
  }
}
