import { Flags } from '@oclif/core';
import { errors } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';
import { startAction } from '../daemon-actions.js';
import { runDaemonInForeground } from '../daemon-control.js';

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
    config: Flags.string({ description: 'config file (default: agentd.config.{json,js,mjs,cjs,ts,mts,cts} in the home, else the built-in default)' }),
    // No oclif default: a --timeout given with --foreground must be seen, to be refused.
    timeout: Flags.string({ description: 'how long to wait for readiness; the daemon mode only [default: 30s]' }),
  };

  async run(): Promise<void> {
    const options = { home: this.home, json: this.jsonEnabled(), config: this.flags.config, watch: this.flags.watch, timeout: this.flags.timeout };
    if (this.flags.foreground) {
      // A second start deadline would race the service manager's own (systemd's TimeoutStartSec=,
      // which stops the service and counts the failure itself); each plugin's startTimeout
      // already bounds the core's start. Refused rather than silently ignored, as it once was.
      if (this.flags.timeout !== undefined) {
        throw errors.usage('--timeout applies to the daemon mode only: with --foreground the service manager bounds the start (systemd: TimeoutStartSec=), and each plugin its startTimeout; drop --timeout');
      }
      this.exit(await runDaemonInForeground(options));
    }
    // Prints for itself, so that the fast path in bin/run.js behaves the same.
    this.exit(await startAction(options));
  }
}
