import { pluginsList, pluginsReload, pluginsRestart, pluginsScale, pluginsStart, pluginsStop } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';

export function registerPluginsMethods(daemon: Daemon): void {
  const { registry, plugins } = daemon;
  registry.register(pluginsList, () => plugins.listText());
  registry.register(pluginsStart, ({ name }) => plugins.start(name));
  registry.register(pluginsStop, ({ name }) => plugins.stop(name));
  registry.register(pluginsRestart, ({ name }) => plugins.restart(name));
  registry.register(pluginsReload, ({ name }) => plugins.reload(name));
  registry.register(pluginsScale, ({ name, instances }) => plugins.scale(name, instances));
}
