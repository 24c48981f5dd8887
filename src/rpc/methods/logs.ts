import * as v from 'valibot';
import { defineMethod } from '../descriptor.js';
import { LogEntrySchema } from '../wire-types.js';
import { noParams } from './params.js';

const source = v.pipe(v.string(), v.minLength(1), v.description('A plugin\'s name, or `agentd` for the core\'s own log; all logs when absent.'));

export const logsRotate = defineMethod({
  name: 'logs.rotate',
  summary: 'Rotate every log file now (x.log -> x.log.1 and so on, keeping logs.keep), in one operation.',
  params: noParams,
  result: v.object({ files: v.array(v.string()) }),
});

export const logsReopen = defineMethod({
  name: 'logs.reopen',
  summary: 'Reopen every log file by path, after an external tool moved them.',
  params: noParams,
  result: v.object({ files: v.array(v.string()) }),
});

export const logsTail = defineMethod({
  name: 'logs.tail',
  summary: 'The last lines of a log, oldest first.',
  params: v.optional(v.strictObject({
    plugin: v.optional(source),
    lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100_000), v.description('How many lines (default 100).')), 100),
  }), {}),
  result: v.object({ lines: v.array(LogEntrySchema) }),
});

export const logsFollow = defineMethod({
  name: 'logs.follow',
  summary: 'Stream new log lines to this connection as `log` notifications, until it closes.',
  params: v.optional(v.strictObject({
    plugin: v.optional(source),
    lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000), v.description('Lines of history sent first (default 0); following every log, the last of all of them, merged by time.')), 0),
  }), {}),
  result: v.object({ following: v.string(), history: v.array(LogEntrySchema) }),
  streams: 'log',
});
