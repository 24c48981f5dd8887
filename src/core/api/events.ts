import { eventsSubscribe, notificationStream, type AgentdEvent } from '../../rpc/index.js';
import type { Daemon } from '../daemon.js';

export function registerEventsMethods(daemon: Daemon): void {
  daemon.registry.register(eventsSubscribe, ({ types }, { connection }) => {
    const send = notificationStream<AgentdEvent>(connection, 'event', (count, next) => ({ type: 'events.dropped', at: next.at, count }));
    const stop = daemon.events.subscribe(types, send);
    connection.onClose(stop);
    return { subscribed: types && types.length > 0 ? types : ('all' as const) };
  });
}
