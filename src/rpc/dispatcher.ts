import { createRequire } from 'node:module';
import type { JSONRPCErrorResponse, JSONRPCRequest, JSONRPCResponse, JSONRPCServer as Server } from 'json-rpc-2.0';
import type { Logger } from 'winston';
import { AgentdError, errors, isAgentdError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import type { CallContext, MethodRegistry } from './registry.js';

// json-rpc-2.0 is CommonJS; require() loads it measurably faster than import() (about 25 ms).
const { JSONRPCServer, JSONRPCErrorException, createJSONRPCErrorResponse } =
  createRequire(import.meta.url)('json-rpc-2.0') as typeof import('json-rpc-2.0');

/**
 * JSON-RPC semantics over the method registry: json-rpc-2.0 does parsing, batches, notifications
 * and the spec's errors; we route each call to the registry, and map every error to one readable
 * wire error: AgentdErrors keep their code and data, anything unexpected becomes -32603 without
 * leaking internals (the details go to the log).
 */
export class Dispatcher {
  private readonly server: Server<CallContext>;

  constructor(registry: MethodRegistry, private readonly log: Logger) {
    // Errors are logged by mapError; the default listener would print to the console.
    this.server = new JSONRPCServer<CallContext>({ errorListener: () => {} });
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => this.mapError(id, error);
    // Every call goes through the registry, whose table changes as plugins come and go.
    this.server.handleMethodNotFound = async <P>(request: JSONRPCRequest, call: P): Promise<JSONRPCResponse | null> => {
      const entry = registry.get(request.method);
      const id = request.id;
      // Call tracing at debug level: what an operator turns on to see who drives the daemon.
      if (this.log.isDebugEnabled()) this.log.debug('rpc call', { method: request.method, id, connection: (call as CallContext).connection.id });
      if (!entry) {
        if (id === undefined) return null;
        return wire(id, errors.methodNotFound(request.method));
      }
      try {
        const result = await entry.invoke(request.params, call as CallContext);
        return id === undefined ? null : { jsonrpc: '2.0', id, result: result === undefined ? null : result };
      } catch (error) {
        return id === undefined ? null : this.mapError(id, error);
      }
    };
  }

  /** Answer one line; resolves to the reply (null when nothing is owed, e.g. for notifications). */
  async handle(line: string, call: CallContext): Promise<JSONRPCResponse | JSONRPCResponse[] | null> {
    const reply = await this.server.receiveJSON(line, call);
    if (Array.isArray(reply) && reply.length === 0) return null;
    return reply;
  }

  private mapError(id: JSONRPCRequest['id'], error: unknown): JSONRPCErrorResponse {
    const rid = id ?? null;
    if (isAgentdError(error)) return wire(rid, error);
    if (error instanceof JSONRPCErrorException) return createJSONRPCErrorResponse(rid, error.code, error.message, error.data);
    this.log.error('rpc handler failed', { error: describeError(error), stack: (error as Error)?.stack });
    return wire(rid, errors.internal(describeError(error).split('\n')[0] ?? 'unknown'));
  }
}

function wire(id: JSONRPCRequest['id'], error: AgentdError): JSONRPCErrorResponse {
  const w = error.toWire();
  return { jsonrpc: '2.0', id: id ?? null, error: w };
}
