import { Args } from '@oclif/core';
import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { pluginsAction } from '../../plugins-action.js';

export default class PluginsStop extends BaseCommand<typeof PluginsStop> {
  static override summary = 'Stop a plugin (SIGKILL to its process group after its stopTimeout); it stays stopped.';
  static override examples = ['<%= config.bin %> plugins stop image-server'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'plugin name', required: true }) };

  async run(): Promise<PluginRow[]> {
    return pluginsAction(this, await this.client(), 'plugins.stop', this.args.name);
  }
}
