import { Flags } from '@oclif/core';
import { parseDuration } from '../../config/units.js';
import { errors } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';
import { stopDaemon, type StopResult } from '../daemon-control.js';

export default class Stop extends BaseCommand<typeof Stop> {
  static override summary = 'Stop the plugins, then the daemon.';
  static override description = 'Asks the core to stop over the control socket and waits until it is gone. If the socket does not answer, the process holding the lock gets SIGTERM, and SIGKILL after the timeout. Stopping a daemon that is not running is not an error.';
  static override examples = ['<%= config.bin %> stop', '<%= config.bin %> stop --timeout 30s'];
  static override enableJsonFlag = true;
  static override flags = {
    timeout: Flags.string({ description: 'how long a graceful stop may take before SIGKILL', default: '10s' }),
  };

  async run(): Promise<StopResult> {
    const timeoutMs = parseDuration(this.flags.timeout);
    if (timeoutMs === null) throw errors.usage(`--timeout ${this.flags.timeout}: not a duration such as "10s"`);
    const result = await stopDaemon(this.home, timeoutMs);
    if (!result.stopped) this.log(`agentd is not running (home ${this.home})`);
    else this.log(`agentd stopped (pid ${result.pid}${result.forced !== 'no' ? `, after ${result.forced}` : ''})`);
    return result;
  }
}
