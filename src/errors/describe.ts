import { isAgentdError } from './agentd-error.js';

/**
 * One readable line for any thrown value: the message of an AgentdError as is, a Node system error
 * as "syscall path: CODE", anything else by its message. Never a stack: DEBUG callers print that.
 */
export function describeError(error: unknown): string {
  if (isAgentdError(error)) return error.message;
  if (error instanceof Error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code && e.syscall) return `${e.syscall}${e.path ? ` ${e.path}` : ''}: ${e.code}${messageTail(e)}`;
    return error.message || error.name;
  }
  return typeof error === 'object' && error !== null ? asJson(error) : String(error);
}

/** A thrown plain object by its content ("[object Object]" says nothing), when it has any. */
function asJson(value: object): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function messageTail(e: NodeJS.ErrnoException): string {
  // Node puts "CODE: text, syscall path" in message; keep only the human text.
  const m = /^[A-Z]+: ([^,]+)/.exec(e.message);
  return m?.[1] ? ` (${m[1]})` : '';
}
