import { AgentdError, errors, ExitCode, type WireError } from '../errors/index.js';

const exitCodes = new Map<string, ExitCode>(Object.values(errors).map((e) => [e.code, e.exitCode]));

/** Rebuild the AgentdError a server sent, so that callers get the same code, data and exit code. */
export function fromWire(error: WireError): AgentdError {
  const { code = 'E_REMOTE', ...data } = (error.data ?? {}) as { code?: string } & Record<string, unknown>;
  const exitCode = exitCodes.get(code) ?? (error.code === -32602 || error.code === -32601 ? ExitCode.Usage : ExitCode.Failure);
  return new AgentdError(code, error.code, exitCode, error.message, { data });
}
