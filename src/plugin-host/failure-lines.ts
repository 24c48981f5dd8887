import { describeError } from '../errors/describe.js';

// This host's own directory (the bundle's, or dist/plugin-host): frames there are agentd's dispatch.
const HOST_DIR = new URL('.', import.meta.url).href;

/**
 * The lines to log for a failure of the plugin's code (`what` failed): what was thrown, then the
 * frames of its stack that are the plugin's (agentd's dispatch and Node's internals are noise to
 * its author). One line per log entry, as `ctl logs` shows each entry on one line.
 */
export function failureLines(what: string, e: unknown): string[] {
  if (!(e instanceof Error) || !e.stack) return [`${what} failed: ${describeError(e)}`];
  const [head = '', ...frames] = e.stack.split('\n');
  return [`${what} failed: ${head}`, ...ownFrames(frames)];
}

/** One line for a crash: what happened, the message, and where in the plugin's own code. */
export function crashSummary(what: string, e: unknown): string {
  return `${what}: ${(describeError(e).split('\n')[0] ?? '').trim()}${atPlugin(e)}`;
}

/** ` (at file:line:column)` of the plugin's own code that threw `e`, or nothing when it is not known. */
export function atPlugin(e: unknown): string {
  const where = whereInPlugin(e);
  return where ? ` (at ${where})` : '';
}

/** The file:line:column of the innermost frame of `e`'s stack in the plugin's own code. */
export function whereInPlugin(e: unknown): string | undefined {
  const frame = e instanceof Error && e.stack ? ownFrames(e.stack.split('\n').slice(1))[0] : undefined;
  return frame?.match(/\(([^()]+)\)\s*$/)?.[1] ?? frame?.trim().replace(/^at /, '');
}

function ownFrames(frames: string[]): string[] {
  return frames.filter((f) => !f.includes(HOST_DIR) && !/\((node:|file:\/\/\/?node:)|at node:/.test(f));
}
