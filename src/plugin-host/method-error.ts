import { errors, isAgentdError, type WireError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';

/**
 * What the caller of `full` (`<plugin>.<method>`) gets when its handler threw `e`. An AgentdError
 * is the plugin's own answer and goes as it is, except a JSON-RPC code that would misstate what
 * happened: JSON-RPC reserves -32768..-32000 (parse error, invalid request, method not found, …),
 * of which a method may answer only -32602 (invalid params) and the application range
 * -32099..-32000; a non-integer is no code at all. Those get E_PLUGIN_METHOD_FAILED's code, with
 * the plugin's own `code`, message and data kept.
 */
export function methodErrorToWire(full: string, e: unknown): WireError {
  if (!isAgentdError(e)) return errors.pluginMethodFailed(full, describeError(e)).toWire();
  const wire = e.toWire();
  return fitCode(wire.code) ? wire : { ...wire, code: errors.pluginMethodFailed.rpcCode };
}

function fitCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  return code > -32000 || code < -32768 || code >= -32099 || code === -32602;
}

// This host's own directory (the bundle's, or dist/plugin-host): frames there are agentd's dispatch.
const HOST_DIR = new URL('.', import.meta.url).href;

/**
 * The lines to log for a handler's failure: what was thrown, then the frames of its stack that
 * are the plugin's (agentd's dispatch and Node's internals are noise to its author). One line
 * per log entry, as `ctl logs` shows each entry on one line.
 */
export function failureLines(full: string, e: unknown): string[] {
  if (!(e instanceof Error) || !e.stack) return [`${full} failed: ${describeError(e)}`];
  const [head = '', ...frames] = e.stack.split('\n');
  const own = frames.filter((f) => !f.includes(HOST_DIR) && !/\((node:|file:\/\/\/?node:)|at node:/.test(f));
  return [`${full} failed: ${head}`, ...own];
}
