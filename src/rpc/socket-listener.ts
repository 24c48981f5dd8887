import net from 'node:net';
import { peerCredentials } from '../native/addon.js';
import { socketFd } from './peer-check.js';

/** How long a stale socket gets to accept a probe; a live core accepts in microseconds. */
const PROBE_MS = 500;

/**
 * The pid of whatever still accepts connections on `socketPath`, or null when nothing does (a
 * socket left by a killed core refuses at once). The lock says no core holds this home, but a
 * core whose pidfile was deleted under it (by hand, by a tmp cleaner) still holds the lock on the
 * unlinked file and still serves the socket: replacing the socket would hide it and run two.
 */
export function socketListener(socketPath: string): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (pid: number | null) => { clearTimeout(timer); socket.destroy(); resolve(pid); };
    const timer = setTimeout(() => done(null), PROBE_MS);
    socket.once('error', () => done(null));
    socket.once('connect', () => {
      const fd = socketFd(socket);
      let pid = 0;
      try { if (fd !== null) pid = peerCredentials(fd).pid; } catch { /* pid unknown */ }
      done(pid);
    });
  });
}
