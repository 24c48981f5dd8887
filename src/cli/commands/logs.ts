import { Args, Flags } from '@oclif/core';
import type { LogEntry } from '../../rpc/wire-types.js';
import { isAgentdError } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';
import { tailLogFiles } from '../log-files.js';
import { noteReloadsOf } from '../reload-notes.js';
import { renderLogEntry } from '../render/log-entry.js';
import { streamUntilEnd } from '../stream-until-end.js';

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = 'Show the last lines of a log, or follow logs as they are written.';
  static override description = 'NAME is a plugin, or `agentd` for the core\'s own log (the default). With --follow and no NAME, every log is followed.';
  static override examples = [
    '<%= config.bin %> logs image-server -n 50',
    '<%= config.bin %> logs -f',
    '<%= config.bin %> logs image-server -f --json | jq .message',
  ];
  static override args = {
    name: Args.string({ description: 'plugin name, or agentd' }),
  };
  static override flags = {
    lines: Flags.integer({ char: 'n', description: 'lines of history (with -f and no NAME: the last N of every log, merged by time)', default: 100, min: 0, max: 100_000 }),
    follow: Flags.boolean({ char: 'f', description: 'keep printing new lines until Ctrl-C' }),
    json: Flags.boolean({ description: 'one JSON object per line' }),
  };

  async run(): Promise<void> {
    const print = (e: LogEntry) => this.log(this.flags.json ? JSON.stringify(e) : renderLogEntry(e));
    if (!this.flags.follow) {
      if (this.flags.lines === 0) return;
      (await this.tail(this.args.name ?? 'agentd', this.flags.lines)).forEach(print);
      return;
    }
    const client = await this.client();
    // Lines streamed before the reply (with its history) arrives are printed after that history.
    const early: LogEntry[] = [];
    let live = false;
    client.on('log', (e) => (live ? print(e) : early.push(e)));
    const name = this.args.name;
    if (name !== undefined && name !== 'agentd') await noteReloadsOf(client, name);
    const { history } = await client.call('logs.follow', { ...(this.args.name ? { plugin: this.args.name } : {}), lines: this.flags.lines });
    history.forEach(print);
    early.forEach(print);
    live = true;
    await streamUntilEnd(client, 'no more lines to follow');
  }

  /** Over the socket; with no daemon running, from the files it left (said on stderr). */
  private async tail(source: string, lines: number): Promise<LogEntry[]> {
    let client;
    try {
      client = await this.client();
    } catch (error) {
      const fromFiles = isAgentdError(error) && error.code === 'E_NOT_RUNNING' ? await tailLogFiles(this.home, source, lines) : null;
      if (fromFiles === null) throw error;
      process.stderr.write(`ctl: agentd is not running (home ${this.home}); these are the last lines of its log files\n`);
      return fromFiles;
    }
    return (await client.call('logs.tail', { plugin: source, lines })).lines;
  }
}
