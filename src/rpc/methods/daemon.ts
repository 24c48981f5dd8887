import * as v from 'valibot';
import { defineMethod } from '../descriptor.js';
import { DaemonStatusSchema, ReloadResultSchema } from '../wire-types.js';
import { noParams } from './params.js';

export const daemonStatus = defineMethod({
  name: 'daemon.status',
  summary: 'The core\'s pid, version, uptime, memory and socket, with a row per plugin.',
  params: noParams,
  result: DaemonStatusSchema,
});

export const daemonStop = defineMethod({
  name: 'daemon.stop',
  summary: 'Stop every plugin, then the core; answers before stopping begins.',
  params: noParams,
  result: v.object({
    stopping: v.literal(true),
    pid: v.number(),
    within: v.pipe(v.number(), v.description('The longest the stop may take, in ms: the longest plugin stopTimeout, and a margin for the SIGKILL after it and for the core\'s own cleanup.')),
  }),
});

export const daemonReload = defineMethod({
  name: 'daemon.reload',
  summary: 'Re-read the config and apply only the difference; a bad config is refused and the running one stays.',
  params: v.optional(v.nullable(v.strictObject({})), {}),
  result: ReloadResultSchema,
});
