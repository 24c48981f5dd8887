import * as v from 'valibot';
import { defineMethod, returns } from '../descriptor.js';
import type { DaemonStatus, ReloadResult } from '../wire-types.js';
import { noParams } from './params.js';

export const daemonStatus = defineMethod({
  name: 'daemon.status',
  summary: 'The core\'s pid, version, uptime, memory and socket, with a row per plugin.',
  params: noParams,
  result: returns<DaemonStatus>(),
});

export const daemonStop = defineMethod({
  name: 'daemon.stop',
  summary: 'Stop every plugin, then the core; answers before stopping begins.',
  params: noParams,
  result: returns<{ stopping: true; pid: number }>(),
});

export const daemonReload = defineMethod({
  name: 'daemon.reload',
  summary: 'Re-read the config and apply only the difference; a bad config is refused and the running one stays.',
  params: v.optional(v.nullable(v.strictObject({})), {}),
  result: returns<ReloadResult>(),
});
