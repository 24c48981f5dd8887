import { Args } from '@oclif/core';
import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { pluginsAction } from '../../plugins-action.js';

export default class PluginsRestart extends BaseCommand<typeof PluginsRestart> {
  static override summary = 'Restart a plugin; also clears the failed state of a crash loop.';
  static override examples = ['<%= config.bin %> plugins restart image-server'];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'plugin name', required: true }) };

  async run(): Promise<PluginRow[]> {
    return pluginsAction(this, await this.client(), 'plugins.restart', this.args.name);
  }
}
