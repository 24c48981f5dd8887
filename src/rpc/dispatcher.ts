import { createRequire } from 'node:module';
import type { JSONRPCErrorResponse, JSONRPCRequest, JSONRPCResponse, JSONRPCServer as Server } from 'json-rpc-2.0';
import type { Logger } from 'winston';
import { AgentdError, errors, isAgentdError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { JsonPieces, JsonText } from './json-text.js';
import type { CallContext, MethodRegistry } from './registry.js';

// json-rpc-2.0 is CommonJS; require() loads it measurably faster than import() (about 25 ms).
const { JSONRPCServer, JSONRPCErrorException, createJSONRPCErrorResponse } =
  createRequire(import.meta.url)('json-rpc-2.0') as typeof import('json-rpc-2.0');

/**
 * The longest reply the core writes for one request (a `logs.tail` of 100,000 lines is some
 * 20 MB); the typed client refuses longer lines too. Longer ones are answered with an error.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;
/**
 * What the replies of one batch may add up to by default (the server passes rpc.maxBufferedBytes,
 * what it buffers for one client anyway). A batch is cheap to send and its replies can be large (a
 * 1 MiB line holds 20,000 `rpc.methods` calls of 19 KB each): past this budget, the rest of the
 * batch is not run and its requests are answered with an error instead, so that one line can
 * never make the core build a reply of hundreds of MB.
 */
export const MAX_BATCH_REPLY_BYTES = 8 * 1024 * 1024;
/** Part of a reply line: text, or bytes a handler already encoded (see {@link JsonPieces}). */
export type ReplyPiece = string | Buffer;
/** Requests of one batch run at once; the replies keep the batch's order. */
const BATCH_CONCURRENCY = 16;

/**
 * JSON-RPC semantics over the method registry: we parse each line and check the shape of every
 * request (json-rpc-2.0 trusts both: `null` or a batch `[null]` made it throw, an object `id` was
 * echoed back); json-rpc-2.0 then runs each well-formed request through the registry. Every error
 * is mapped to one readable wire error: AgentdErrors keep their code and data, anything
 * unexpected becomes -32603 without leaking internals (the details go to the log). Replies come
 * back serialized, within {@link MAX_REPLY_BYTES} (a batch's within {@link MAX_BATCH_REPLY_BYTES}).
 */
export class Dispatcher {
  private readonly server: Server<CallContext>;

  constructor(
    registry: MethodRegistry,
    private readonly log: Logger,
    private readonly maxReplyBytes = MAX_REPLY_BYTES,
    private readonly maxBatchBytes = MAX_BATCH_REPLY_BYTES,
  ) {
    // Errors are logged by mapError; the default listener would print to the console.
    this.server = new JSONRPCServer<CallContext>({ errorListener: () => {} });
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => this.mapError(id, error);
    // Every call goes through the registry, whose table changes as plugins come and go.
    this.server.handleMethodNotFound = async <P>(request: JSONRPCRequest, call: P): Promise<JSONRPCResponse | null> => {
      const resolved = registry.resolve(request.method);
      const id = request.id;
      // Call tracing at debug level: what an operator turns on to see who drives the daemon.
      if (this.log.isDebugEnabled()) this.log.debug('rpc call', { method: request.method, id, connection: (call as CallContext).connection.id });
      if (!resolved) {
        if (id === undefined) return null;
        return wire(id, registry.missing(request.method));
      }
      try {
        const result = await resolved.entry.invoke(request.params, call as CallContext, resolved.instance);
        return id === undefined ? null : { jsonrpc: '2.0', id, result: result === undefined ? null : result };
      } catch (error) {
        return id === undefined ? null : this.mapError(id, error);
      }
    };
  }

  /**
   * Answer one line: the reply, serialized, as pieces that together make one line (a batch's
   * replies stay apart, and so do a {@link JsonPieces} result's, so that no copy of the whole is
   * made), or null when nothing is owed.
   */
  async handle(line: string, call: CallContext): Promise<ReplyPiece[] | null> {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (e) {
      return [encode(wire(null, errors.parseError(describeError(e))))];
    }
    if (!Array.isArray(message)) {
      const reply = await this.single(message, call);
      if (reply === null) return null;
      return 'result' in reply && reply.result instanceof JsonPieces ? this.inPieces(reply.id, reply.result) : [this.serialize(reply, reply.id)];
    }
    if (message.length === 0) return [encode(wire(null, errors.invalidRequest('an empty batch')))];
    return this.batch(message, call);
  }

  /** Run a batch a few requests at a time, serializing each reply as it comes, within the byte budget. */
  private async batch(requests: unknown[], call: CallContext): Promise<string[] | null> {
    const parts: Array<string | null> = new Array(requests.length).fill(null);
    let bytes = 2;
    let next = 0;
    let overBudget = false;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const request = requests[i];
        if (overBudget) {
          const id = validId(request);
          if (id !== undefined && !isNotification(request)) parts[i] = JSON.stringify(wire(id, errors.invalidRequest(notRun(this.maxBatchBytes))));
          continue;
        }
        const reply = await this.single(request, call);
        if (reply === null) continue;
        let text = this.serializeOne(reply);
        let size = Buffer.byteLength(text);
        if (bytes + size > this.maxBatchBytes) {
          // This one ran, but its reply does not fit; the rest of the batch will not run at all.
          overBudget = true;
          text = JSON.stringify(wire(reply.id, errors.invalidRequest(tooLarge(this.maxBatchBytes))));
          size = Buffer.byteLength(text);
        }
        bytes += size + 1;
        parts[i] = text;
      }
    };
    await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, requests.length) }, worker));
    const answered = parts.filter((p): p is string => p !== null);
    if (answered.length === 0) return null;
    const pieces = ['['];
    answered.forEach((p, i) => pieces.push(i === 0 ? p : `,${p}`));
    pieces.push(']\n');
    return pieces;
  }

  /** One request of a line or of a batch: its reply, or null for a notification. */
  private async single(request: unknown, call: CallContext): Promise<JSONRPCResponse | null> {
    const problem = requestProblem(request);
    if (problem !== null) return wire(validId(request) ?? null, errors.invalidRequest(problem));
    return (await this.server.receive(request as JSONRPCRequest, call)) as JSONRPCResponse | null;
  }

  /** A reply around a result already in pieces: the pieces themselves are written, between its head and tail. */
  private inPieces(id: JSONRPCRequest['id'], result: JsonPieces): ReplyPiece[] {
    const head = `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`;
    if (Buffer.byteLength(head) + result.bytes + 1 > this.maxReplyBytes) return [encode(wire(id ?? null, errors.invalidRequest(tooLarge(this.maxReplyBytes))))];
    return [head, ...result.pieces, '}\n'];
  }

  private serialize(reply: JSONRPCResponse, id: JSONRPCRequest['id']): string {
    const text = this.serializeOne(reply);
    return Buffer.byteLength(text) > this.maxReplyBytes ? encode(wire(id ?? null, errors.invalidRequest(tooLarge(this.maxReplyBytes)))) : `${text}\n`;
  }

  /** A reply as JSON; a result that cannot be serialized (too large a string, say) becomes an error reply. */
  private serializeOne(reply: JSONRPCResponse): string {
    try {
      // Same text as JSON.stringify would give, with the handler's own serialization spliced in.
      if ('result' in reply && (reply.result instanceof JsonText || reply.result instanceof JsonPieces)) return `{"jsonrpc":"2.0","id":${JSON.stringify(reply.id)},"result":${reply.result.text}}`;
      return JSON.stringify(reply);
    } catch (error) {
      this.log.warn('rpc reply could not be serialized', { id: reply.id, error: describeError(error) });
      return JSON.stringify(wire(reply.id, errors.invalidRequest(tooLarge(this.maxReplyBytes))));
    }
  }

  private mapError(id: JSONRPCRequest['id'], error: unknown): JSONRPCErrorResponse {
    const rid = id ?? null;
    if (isAgentdError(error)) return wire(rid, error);
    if (error instanceof JSONRPCErrorException) return createJSONRPCErrorResponse(rid, error.code, error.message, error.data);
    this.log.error('rpc handler failed', { error: describeError(error), stack: (error as Error)?.stack });
    return wire(rid, errors.internal(describeError(error).split('\n')[0] ?? 'unknown'));
  }
}

/** What makes `m` not a JSON-RPC 2.0 request (params are checked by each method's schema), or null. */
function requestProblem(m: unknown): string | null {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'a request must be an object';
  const r = m as Record<string, unknown>;
  if (r['jsonrpc'] !== '2.0') return '"jsonrpc" must be "2.0"';
  if (typeof r['method'] !== 'string') return '"method" must be a string';
  if ('id' in r && validId(r) === undefined) return '"id" must be a string, a number or null';
  if ('result' in r || 'error' in r) return 'a request has no "result" or "error"';
  return null;
}

/** The request's id when it is one JSON-RPC allows; undefined otherwise (absent or of a wrong type). */
function validId(m: unknown): JSONRPCRequest['id'] | undefined {
  if (typeof m !== 'object' || m === null || !('id' in m)) return undefined;
  const id = (m as { id: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' || id === null ? id : undefined;
}

function isNotification(m: unknown): boolean {
  return requestProblem(m) === null && !('id' in (m as object));
}

function tooLarge(limit: number): string {
  return `the reply is over the ${limit}-byte limit; ask for less (fewer lines, a smaller batch)`;
}

function notRun(limit: number): string {
  return `not run: the batch's replies passed the ${limit}-byte limit; send a smaller batch`;
}

function wire(id: JSONRPCRequest['id'], error: AgentdError): JSONRPCErrorResponse {
  const w = error.toWire();
  return { jsonrpc: '2.0', id: id ?? null, error: w };
}

function encode(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
