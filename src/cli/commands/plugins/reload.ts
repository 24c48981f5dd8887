import { Args } from '@oclif/core';
import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { pluginsAction } from '../../plugins-action.js';

export default class PluginsReload extends BaseCommand<typeof PluginsReload> {
  static override summary = 'Replace a plugin\'s processes one by one with no downtime (each new one ready before its old one stops).';
  static override examples = ['<%= config.bin %> plugins reload image-server'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'plugin name', required: true }) };

  async run(): Promise<PluginRow[]> {
    return pluginsAction(this, await this.client(), 'plugins.reload', this.args.name);
  }
}
