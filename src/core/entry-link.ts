/**
 * What src/core/entry.ts and the core bundle it loads share. They are two bundles, so they meet
 * on `process` and `globalThis`, under registered symbols.
 */

/** Emitted on `process` once the core has reported ready; entry.ts then writes its code cache. */
export const CORE_READY_EVENT = 'agentd:ready';

/** How entry.ts loaded the core bundle, for the "agentd starting" log line. */
export type CodeCacheState = 'used' | 'absent' | 'rejected' | 'off';

const STATE = Symbol.for('agentd.codeCache');

const shared = globalThis as Record<symbol, unknown>;

export function setCodeCacheState(state: CodeCacheState): void {
  shared[STATE] = state;
}

/** 'off' as well when the core was not started through entry.ts (tests importing it directly). */
export function codeCacheState(): CodeCacheState {
  return (shared[STATE] as CodeCacheState | undefined) ?? 'off';
}
