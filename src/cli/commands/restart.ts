import { Flags } from '@oclif/core';
import { parseDuration } from '../../config/units.js';
import { errors } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';
import { startDaemon, stopDaemon } from '../daemon-control.js';

export default class Restart extends BaseCommand<typeof Restart> {
  static override summary = 'Stop the daemon if it runs, start it again, and print the new pid.';
  static override examples = ['<%= config.bin %> restart'];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({ description: 'config file for the new daemon' }),
    watch: Flags.boolean({ description: 'restart plugins when their files change' }),
    timeout: Flags.string({ description: 'how long the stop may take before SIGKILL', default: '10s' }),
  };

  async run(): Promise<{ pid: number; previous: number | null }> {
    const timeoutMs = parseDuration(this.flags.timeout);
    if (timeoutMs === null) throw errors.usage(`--timeout ${this.flags.timeout}: not a duration such as "10s"`);
    const stopped = await stopDaemon(this.home, timeoutMs);
    const { pid } = await startDaemon({ home: this.home, config: this.flags.config, watch: this.flags.watch });
    this.log(`agentd restarted (pid ${pid})`);
    return { pid, previous: stopped.stopped ? stopped.pid : null };
  }
}
