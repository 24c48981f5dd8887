import Plugins from './index.js';

/** `ctl plugins list`: the same listing as `ctl plugins`, by the name DESIGN.md gives it. */
export default class PluginsList extends Plugins {
  static override summary = 'List plugins (the same as `ctl plugins`).';
  static override examples = ['<%= config.bin %> plugins list', '<%= config.bin %> plugins list --json'];
}
