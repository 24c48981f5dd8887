import { ExitCode } from './exit-codes.js';

/** The JSON-RPC error object an {@link AgentdError} becomes on the control socket. */
export interface WireError {
  code: number;
  message: string;
  data?: { code: string } & Record<string, unknown>;
}

export interface AgentdErrorOptions {
  /** Structured details, sent as JSON-RPC `data` beside the stable `code`. */
  data?: Record<string, unknown>;
  /** The underlying error, kept for logs and DEBUG output. */
  cause?: unknown;
  /**
   * Instead of the catalogue's exit code, when the cause decides it: a restart refused because
   * its config is wrong exits 78 (EX_CONFIG), as the config error itself would.
   */
  exitCode?: ExitCode | undefined;
}

/**
 * The one error class of agentd. Every instance has a stable `code` (`E_…`), the JSON-RPC code it
 * maps to (-32000..-32099 for application errors, or one of the spec's codes), and the exit code a
 * `ctl` command ends with when this error stops it. Construct through {@link errors} in
 * `catalogue.ts`, never directly, so that the catalogue stays the complete list. Plugins are
 * the exception: a method handler throws one of its own (a code of its own, a JSON-RPC code in
 * -32099..-32000) to answer its caller with that code, message and data.
 */
/** Marks AgentdErrors across copies of this code (the bundles, and the `agentd` a plugin imports). */
const BRAND = Symbol.for('agentd.error');

export class AgentdError extends Error {
  override readonly name = 'AgentdError';
  readonly [BRAND] = true;
  readonly code: string;
  readonly rpcCode: number;
  readonly exitCode: ExitCode;
  readonly data: Record<string, unknown>;

  constructor(code: string, rpcCode: number, exitCode: ExitCode, message: string, options: AgentdErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.rpcCode = rpcCode;
    this.exitCode = options.exitCode ?? exitCode;
    this.data = options.data ?? {};
  }

  /** The JSON-RPC error object for this error. */
  toWire(): WireError {
    return { code: this.rpcCode, message: this.message, data: { code: this.code, ...this.data } };
  }
}

export function isAgentdError(value: unknown): value is AgentdError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
