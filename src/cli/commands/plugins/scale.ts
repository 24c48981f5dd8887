import { Args } from '@oclif/core';
import type { PluginRow } from '../../../rpc/wire-types.js';
import { BaseCommand } from '../../base-command.js';
import { printRows } from '../../plugins-action.js';

export default class PluginsScale extends BaseCommand<typeof PluginsScale> {
  static override summary = 'Run N instances of a plugin; network plugins share their port.';
  static override examples = ['<%= config.bin %> plugins scale image-server 2'];
  static override enableJsonFlag = true;
  static override args = {
    name: Args.string({ description: 'plugin name', required: true }),
    instances: Args.integer({ description: 'how many instances (1-64)', required: true, min: 1, max: 64 }),
  };

  async run(): Promise<PluginRow[]> {
    const rows = await (await this.client()).call('plugins.scale', { name: this.args.name, instances: this.args.instances });
    return printRows(this, rows);
  }
}
