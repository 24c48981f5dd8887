import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { restartAction } from '../daemon-actions.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Stop the daemon if it runs, start it again, and print the new pid.';
  static override examples = ['<%= config.bin %> restart', '<%= config.bin %> restart --config ./other.json --no-watch'];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({ description: 'config file for the new daemon (default: the one the running daemon uses)' }),
    watch: Flags.boolean({ description: 'restart plugins when their files change (default: as the running daemon does)', allowNo: true }),
    timeout: Flags.string({ description: 'how long the stop may take before SIGKILL [default: as long as the daemon says its plugins need, at least 10s]' }),
  };

  async run(): Promise<void> {
    this.exit(await restartAction({ home: this.home, json: this.jsonEnabled(), config: this.flags.config, watch: this.flags.watch, timeout: this.flags.timeout }));
  }
}
