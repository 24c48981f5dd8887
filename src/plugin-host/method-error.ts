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

