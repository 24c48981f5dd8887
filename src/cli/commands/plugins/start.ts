import { Args } from '@oclif/core';
import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { pluginsAction } from '../../plugins-action.js';

export default class PluginsStart extends BaseCommand<typeof PluginsStart> {
  static override summary = 'Start a stopped or failed plugin and wait until it runs.';
  static override examples = ['<%= config.bin %> plugins start image-server'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'plugin name', required: true }) };

  async run(): Promise<PluginRow[]> {
    return pluginsAction(this, await this.client(), 'plugins.start', this.args.name);
  }
}
