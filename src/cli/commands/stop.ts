import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { stopAction } from '../daemon-actions.js';

export default class Stop extends BaseCommand<typeof Stop> {
  static override summary = 'Stop the plugins, then the daemon.';
  static override description = 'Asks the core to stop over the control socket and waits until it is gone. If the socket does not answer, the process holding the lock gets SIGTERM and SIGCONT, and SIGKILL once the timeout has passed since the stop began. Without --timeout a core that answers is given as long as its plugins\' stopTimeout needs. Stopping a daemon that is not running is not an error.';
  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --timeout 30s'];
  static override enableJsonFlag = true;
  static override flags = {
    timeout: Flags.string({ description: 'how long the whole stop may take (socket wait included) before SIGKILL [default: as long as the daemon says its plugins need (their longest stopTimeout and a margin), at least 10s]' }),
  };

  async run(): Promise<void> {
    this.exit(await stopAction({ home: this.home, json: this.jsonEnabled(), timeout: this.flags.timeout }));
  }
}
