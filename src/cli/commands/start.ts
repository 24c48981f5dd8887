import { Flags } from '@oclif/core';
import { parseDuration } from '../../config/units.js';
import { errors } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';
import { runDaemonInForeground, startDaemon } from '../daemon-control.js';

export default class Start extends BaseCommand<typeof Start> {
  static override summary = 'Start the agentd daemon and return once it is ready.';
  static override description = 'Starts the core through the native launcher (double fork, own session, single-instance lock) and waits for its readiness report. With no config file, the bundled image server runs on 127.0.0.1:9000.';
  static override examples = [
    '<%= config.bin %> start',
    '<%= config.bin %> start --home /var/lib/agentd --config ./agentd.config.json',
    '<%= config.bin %> start --foreground   # for systemd or a container',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    foreground: Flags.boolean({ description: 'run in this terminal without forking (systemd, containers); logs go to stdout too' }),
    watch: Flags.boolean({ description: 'restart plugins when their files change (development)' }),
    config: Flags.string({ description: 'config file (default: agentd.config.{json,js,ts} in the home, else the built-in default)' }),
    timeout: Flags.string({ description: 'how long to wait for readiness', default: '30s' }),
  };

  async run(): Promise<{ pid: number }> {
    const timeoutMs = parseDuration(this.flags.timeout);
    if (timeoutMs === null) throw errors.usage(`--timeout ${this.flags.timeout}: not a duration such as "30s"`);
    const options = { home: this.home, config: this.flags.config, watch: this.flags.watch, timeoutMs };
    if (this.flags.foreground) this.exit(await runDaemonInForeground(options));
    const { pid } = await startDaemon(options);
    this.log(`agentd started (pid ${pid})`);
    return { pid };
  }
}
