import { isoTime } from '../iso-time.js';
import { format, type Format } from './winston-parts.js';

const MESSAGE = Symbol.for('message');

/**
 * The winston format of every JSON log line agentd writes: `{"time", ...head, "level",
 * "component"?, "message", ...meta}` in that key order (JSON readers do not care, people do).
 * `head` (the plugin logger's stream/pid/instance) and `time` cannot be overridden by meta.
 */
export function jsonLine(head: Record<string, unknown> = {}): Format {
  return format.combine(format.errors({ stack: true }), format.custom((info) => {
    const { level, message, component, timestamp: _t, ...meta } = info as Record<string, unknown>;
    const time = isoTime();
    const line: Record<string, unknown> = { time, ...head, level };
    if (component !== undefined) line['component'] = component;
    line['message'] = message;
    Object.assign(line, meta, head);
    line['time'] = time;
    (info as Record<symbol, unknown>)[MESSAGE] = stringify(line);
    return info;
  })());
}

/** JSON.stringify that never throws: Errors keep message and stack, bigints become strings. */
export function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, replacer);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(value, (key, v: unknown) => {
      const out = replacer(key, v);
      if (typeof out === 'object' && out !== null) {
        if (seen.has(out)) return '[Circular]';
        seen.add(out);
      }
      return out;
    });
  }
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) {
    return { ...value, name: value.name, message: value.message, stack: value.stack };
  }
  return value;
}
