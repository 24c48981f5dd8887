import type { Socket } from 'node:net';
import type { Logger } from 'winston';
import { peerCredentials } from '../native/addon.js';

/**
 * Who may drive the daemon: its own user and root, checked by the kernel's account of the peer
 * (SO_PEERCRED) on every connection. The socket's mode already keeps others out; this holds even
 * when the mode does not (a shared --home, an ACL, a socket moved into a public directory).
 */
export function ownUserOnly(log: Logger, uid = process.getuid?.() ?? 0): (socket: Socket) => boolean {
  return (socket) => {
    const fd = socketFd(socket);
    if (fd === null) return false;
    let peer: { pid: number; uid: number };
    try { peer = peerCredentials(fd); } catch { return false; }
    if (peer.uid === uid || peer.uid === 0) return true;
    log.warn('control connection refused: another user', { uid: peer.uid, pid: peer.pid, allowed: uid });
    return false;
  };
}

/** The fd under a connected net.Socket (libuv's handle), null when it has none. */
export function socketFd(socket: Socket): number | null {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}
