import * as v from 'valibot';
import { defineMethod } from '../descriptor.js';
import { PluginRowSchema } from '../wire-types.js';
import { noParams, pluginName } from './params.js';

const byName = v.strictObject({ name: pluginName });
const rows = v.array(PluginRowSchema);

export const pluginsList = defineMethod({
  name: 'plugins.list',
  summary: 'A row per plugin instance: state, pid, uptime, restarts, last exit, memory, cpu.',
  params: noParams,
  result: rows,
});

export const pluginsStart = defineMethod({
  name: 'plugins.start',
  summary: 'Start a stopped or failed plugin; answers once it is running (or failed to start).',
  params: byName,
  result: rows,
});

export const pluginsStop = defineMethod({
  name: 'plugins.stop',
  summary: 'Stop a plugin gracefully (SIGKILL to its process group after stopTimeout); it stays stopped.',
  params: byName,
  result: rows,
});

export const pluginsRestart = defineMethod({
  name: 'plugins.restart',
  summary: 'Stop then start a plugin; also clears the failed state of a crash loop.',
  params: byName,
  result: rows,
});

export const pluginsReload = defineMethod({
  name: 'plugins.reload',
  summary: 'Replace a plugin\'s processes one at a time, each new one ready before its old one stops: no downtime.',
  params: byName,
  result: rows,
});

export const pluginsScale = defineMethod({
  name: 'plugins.scale',
  summary: 'Run N instances of a plugin (until the next config reload changes its instances).',
  params: v.strictObject({
    name: pluginName,
    instances: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64), v.description('How many instances to run.')),
  }),
  result: rows,
});
