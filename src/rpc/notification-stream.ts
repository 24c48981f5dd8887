import type { Connection } from './connection.js';

/**
 * A stream of notifications to one client that never buffers without bound: while the client is
 * too far behind, notifications are dropped and counted, and once it catches up it is told how
 * many it missed (`droppedNotice`) before the stream goes on.
 */
export function notificationStream<P>(connection: Connection, method: string, droppedNotice: (count: number, next: P) => P): (params: P) => void {
  let dropped = 0;
  return (params) => {
    if (dropped > 0 && connection.notify(method, droppedNotice(dropped, params))) dropped = 0;
    if (dropped > 0 || !connection.notify(method, params)) dropped++;
  };
}
