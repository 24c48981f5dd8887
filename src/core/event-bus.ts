import { isoTime } from '../iso-time.js';
import type { AgentdEvent } from '../rpc/wire-types.js';

export type EventInput = Omit<AgentdEvent, 'at'> & { at?: string };
type Listener = (event: AgentdEvent) => void;

/**
 * Every event the core announces: plugin state changes, restarts, give-ups, rotations, reloads.
 * `events.subscribe` and the tests listen here; listeners filter by type or type prefix (`plugin.`).
 */
export class EventBus {
  private readonly listeners = new Set<{ match: (type: string) => boolean; fn: Listener }>();

  emit(input: EventInput): void {
    if (this.listeners.size === 0) return;
    const event = { ...input, at: input.at ?? isoTime() } as AgentdEvent;
    for (const l of this.listeners) if (l.match(event.type)) l.fn(event);
  }

  /** `types` are exact types or prefixes ending in `.`; all events when absent or empty. */
  subscribe(types: readonly string[] | undefined, fn: Listener): () => void {
    const entry = { match: matcher(types), fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }
}

function matcher(types: readonly string[] | undefined): (type: string) => boolean {
  if (!types || types.length === 0) return () => true;
  const exact = new Set(types.filter((t) => !t.endsWith('.')));
  const prefixes = types.filter((t) => t.endsWith('.'));
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}
