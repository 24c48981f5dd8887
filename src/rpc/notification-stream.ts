import type { Connection } from './connection.js';

/**
 * A stream of notifications to one client that never buffers without bound: while the client is
 * too far behind, notifications are dropped and counted, and as soon as it has caught up (its
 * buffer drained) it is told how many it missed (`droppedNotice`, built from the last one
 * dropped) before the stream goes on.
 */
export function notificationStream<P>(connection: Connection, method: string, droppedNotice: (count: number, last: P) => P): (params: P) => void {
  let dropped = 0;
  let last: P | undefined;
  let waiting = false;
  const flushNotice = (): boolean => {
    if (dropped === 0 || last === undefined) return true;
    if (!connection.notify(method, droppedNotice(dropped, last))) return false;
    dropped = 0;
    last = undefined;
    return true;
  };
  const onDrain = () => {
    waiting = false;
    if (!flushNotice()) waitForDrain();
  };
  const waitForDrain = () => {
    if (waiting || connection.isClosed) return;
    waiting = true;
    connection.socket.once('drain', onDrain);
  };
  return (params) => {
    if (flushNotice() && connection.notify(method, params)) return;
    dropped++;
    last = params;
    waitForDrain();
  };
}
