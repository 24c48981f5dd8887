import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { renderPlugins } from '../../render/plugins.js';
import { terminalColumns } from '../../render/table.js';

export default class Plugins extends BaseCommand<typeof Plugins> {
  static override summary = 'List plugins: state, pid, uptime, restarts, memory, cpu, last exit.';
  static override examples = ['<%= config.bin %> plugins', '<%= config.bin %> plugins --json'];
  static override enableJsonFlag = true;

  async run(): Promise<PluginRow[]> {
    const rows = await (await this.client()).call('plugins.list');
    this.log(renderPlugins(rows, terminalColumns()));
    return rows;
  }
}
