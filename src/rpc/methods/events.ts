import * as v from 'valibot';
import { defineMethod } from '../descriptor.js';

export const eventsSubscribe = defineMethod({
  name: 'events.subscribe',
  summary: 'Stream events (plugin state changes, restarts, give-ups, rotations, reloads) to this connection as `event` notifications.',
  params: v.optional(v.strictObject({
    types: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.description('Event types or prefixes ending in `.` (e.g. `plugin.`); all when absent.'))),
  }), {}),
  result: v.object({ subscribed: v.union([v.array(v.string()), v.literal('all')]) }),
  streams: 'event',
});
