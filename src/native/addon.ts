import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errors } from '../errors/index.js';
import { PACKAGE_ROOT } from '../package-info.js';

/** Where `npm install` (node-gyp) puts the addon built from src/native/addon.c. */
export const ADDON_PATH = path.join(PACKAGE_ROOT, 'build', 'Release', 'agentd_native.node');

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

export interface SocketAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/**
 * What the addon throws when a system call fails, shaped like Node's own system errors: `code` is
 * the errno name (`EADDRINUSE`), `errno` its negative number, `syscall` the failing call.
 * Argument mistakes throw plain TypeError/RangeError instead.
 */
export interface NativeSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
  address?: string;
  port?: number;
}

/** The functions of agentd_native.node. All are synchronous; fds are plain numbers, CLOEXEC set. */
export interface NativeAddon {
  /** 0 when nobody holds the pidfile's flock (or it does not exist), else the pid written in it (-1 if unreadable). */
  lockHolder(path: string): number;
  /**
   * Unlinks the socket and the pidfile a dead core left, only while holding the pidfile's lock
   * (so never a live core's); true when it removed them, false when the lock is held or the
   * pidfile is gone.
   */
  removeStaleFiles(pidfile: string, socket: string): boolean;
  /** SO_PEERCRED of a connected Unix socket. */
  peerCredentials(fd: number): PeerCredentials;
  /** Sends `state` as one datagram to $NOTIFY_SOCKET; false when it is unset. */
  sdNotify(state: string): boolean;
  /** A connected AF_UNIX stream pair, blocking. */
  socketPair(): [number, number];
  /** Passes `fd` over a Unix stream socket (SCM_RIGHTS with one data byte); `fd` stays open here. */
  sendFd(socket: number, fd: number): void;
  /** Receives one fd sent by {@link NativeAddon.sendFd}; blocks until it arrives. */
  recvFd(socket: number): number;
  /** A listening TCP socket (SO_REUSEADDR); Node never polls it, so nothing accepts until it is handed on. */
  listenTcp(host: string, port: number, backlog: number): number;
  /** getsockname of a TCP socket: resolves the port after listening on port 0. */
  socketAddress(fd: number): SocketAddress;
  closeFd(fd: number): void;
  /** Whether the reader of what is written to `fd` is gone (POLLERR/POLLHUP), found without writing. */
  readerGone(fd: number): boolean;
  /** prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are reparented to this process, not PID 1. */
  becomeSubreaper(): void;
  /**
   * waitpid(pid, WNOHANG): true when it reaped `pid`, false when it has not exited or is not a
   * child. Never for a child that child_process spawned: its exit event would be lost.
   */
  reapChild(pid: number): boolean;
  /**
   * From a thread of its own: once this process's parent is no longer `pid` (it died), wait
   * `graceMs`, then SIGKILL this process's group. Works while the event loop is blocked.
   */
  watchParent(pid: number, graceMs: number): void;
}

let addon: NativeAddon | undefined;

/** The addon, loaded on first use; a missing or unloadable build throws `E_NATIVE_MISSING`. */
export function loadAddon(): NativeAddon {
  if (addon) return addon;
  if (!fs.existsSync(ADDON_PATH)) throw errors.nativeHelperMissing(ADDON_PATH);
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (cause) {
    // Typically built for another Node ABI: the same remedy, a rebuild.
    throw errors.nativeHelperMissing(ADDON_PATH, { cause });
  }
  return addon;
}

export function isNativeSystemError(error: unknown): error is NativeSystemError {
  return error instanceof Error && typeof (error as Partial<NativeSystemError>).syscall === 'string'
    && typeof (error as Partial<NativeSystemError>).code === 'string';
}

export const lockHolder = (file: string): number => loadAddon().lockHolder(file);
export const removeStaleFiles = (pidfile: string, socket: string): boolean => loadAddon().removeStaleFiles(pidfile, socket);
export const peerCredentials = (fd: number): PeerCredentials => loadAddon().peerCredentials(fd);
export const sdNotify = (state: string): boolean => loadAddon().sdNotify(state);
export const socketPair = (): [number, number] => loadAddon().socketPair();
export const sendFd = (socket: number, fd: number): void => loadAddon().sendFd(socket, fd);
export const recvFd = (socket: number): number => loadAddon().recvFd(socket);
export const listenTcp = (host: string, port: number, backlog = 511): number => loadAddon().listenTcp(host, port, backlog);
export const socketAddress = (fd: number): SocketAddress => loadAddon().socketAddress(fd);
export const closeFd = (fd: number): void => loadAddon().closeFd(fd);
export const readerGone = (fd: number): boolean => loadAddon().readerGone(fd);
