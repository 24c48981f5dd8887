import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The root jail. A request path is turned into a file in two steps, and both must pass:
 *
 * 1. **Lexically** ({@link parseUrlPath}): split the raw path on `/`, then percent-decode each
 *    segment exactly once. A decoded segment that is `.` or `..`, or contains `/`, `\` or NUL, is
 *    refused (403): that covers `..`, `%2e%2e`, `%2f`, `%5c`, `%00` and backslash tricks, and since
 *    nothing is decoded twice, `%252e%252e` is just a file literally named `%2e%2e`. A segment
 *    starting with `.` (dotfiles, `.git`) is 404, as if it did not exist. Empty segments (`//`)
 *    are dropped, so an absolute path like `//etc/passwd` is simply `etc/passwd` under the root.
 * 2. **On disk** ({@link Jail.resolve}): realpath the joined path and require the result to be the
 *    root or under it, with no hidden segment. A symlink (to a file or a directory) whose target
 *    is outside the root is 404, like a missing file: the target's existence is not revealed.
 *
 * Files are then opened by their real path with O_NOFOLLOW (a symlink swapped in after the check
 * fails to open) and O_NONBLOCK (a FIFO swapped in cannot block a pool thread), and fstat must
 * say "regular file".
 */

export type ParsedPath =
  | { readonly segments: readonly string[]; readonly slash: boolean }
  | { readonly status: 400 | 403 | 404 };

export function parseUrlPath(raw: string): ParsedPath {
  if (raw.charCodeAt(0) !== 0x2f /* / */) return { status: 400 }; // `*`, or a target that is no path
  const parts = raw.split('/');
  const segments: string[] = [];
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') continue;
    let name = part;
    if (part.includes('%')) {
      try {
        name = decodeURIComponent(part);
      } catch {
        return { status: 400 }; // malformed escape or invalid UTF-8 (overlong `%c0%ae` included)
      }
    }
    if (name === '.' || name === '..' || name.includes('/') || name.includes('\\') || name.includes('\0')) return { status: 403 };
    if (name.charCodeAt(0) === 0x2e /* . */) return { status: 404 };
    segments.push(name);
  }
  return { segments, slash: raw.endsWith('/') };
}

/** Errors that mean "there is no such file for this request" rather than "something broke". */
const NOT_THERE = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM']);

export function isNotThere(error: unknown): boolean {
  return NOT_THERE.has((error as NodeJS.ErrnoException).code ?? '');
}

/** A file or directory found inside the root. */
export interface Found {
  readonly realPath: string;
  readonly stat: fs.Stats;
}

export class Jail {
  private readonly prefix: string;

  private constructor(readonly root: string) {
    this.prefix = root.endsWith(path.sep) ? root : root + path.sep;
  }

  /** A jail on the real path of `root`, so that a root reached through a symlink still compares right. */
  static async open(root: string): Promise<Jail> {
    return new Jail(await fsp.realpath(root));
  }

  /** True when `realPath` is the root or inside it, and no segment below the root is hidden. */
  contains(realPath: string): boolean {
    if (realPath === this.root) return true;
    if (!realPath.startsWith(this.prefix)) return false;
    return !realPath.slice(this.prefix.length).split(path.sep).some((s) => s.startsWith('.'));
  }

  /** The real path and stat of `segments` under the root, or null when it is missing or escapes. */
  async resolve(segments: readonly string[]): Promise<Found | null> {
    try {
      const realPath = await fsp.realpath(path.join(this.root, ...segments));
      if (!this.contains(realPath)) return null;
      return { realPath, stat: await fsp.stat(realPath) };
    } catch (error) {
      if (isNotThere(error)) return null;
      throw error;
    }
  }
}

const { O_RDONLY, O_NOFOLLOW = 0, O_NONBLOCK = 0, O_DIRECTORY = 0 } = fs.constants;
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const DIR_FLAGS = O_RDONLY | O_NOFOLLOW | O_DIRECTORY;
// The callback fs API on plain fds: cheaper per call than FileHandle, and these run per request.
const open = promisify(fs.open);
const fstat = promisify(fs.fstat);
export const closeFd = promisify(fs.close);
const readlink = promisify(fs.readlink);

/** A path that names what `fd` has open, whatever has since been renamed or swapped in at its old path. */
export function pathOfFd(fd: number): string {
  return process.platform === 'linux' ? `/proc/self/fd/${fd}` : `/dev/fd/${fd}`;
}

/**
 * Open a checked real path as a directory, for listing through {@link pathOfFd}; null when it is
 * gone or escapes. O_NOFOLLOW refuses a symlink swapped in for the directory itself after the
 * lookup; on Linux the fd's own path (its /proc link) must also be inside the jail, which catches
 * a parent directory swapped for a symlink as well.
 */
export function openDirectory(jail: Jail, realPath: string): Promise<number | null> {
  return openChecked(realPath, DIR_FLAGS, async (fd) =>
    (process.platform !== 'linux' || jail.contains(await readlink(pathOfFd(fd))) ? fd : null));
}

/** Open a checked real path for reading; null when it is gone or is no longer a regular file. */
export function openRegularFile(realPath: string): Promise<{ fd: number; stat: fs.Stats } | null> {
  return openChecked(realPath, READ_FLAGS, async (fd) => {
    const stat = await fstat(fd);
    return stat.isFile() ? { fd, stat } : null;
  });
}

/** Open `realPath`, then keep the fd only if `accept` says what it is; null when gone or refused. */
async function openChecked<T>(realPath: string, flags: number, accept: (fd: number) => Promise<T | null>): Promise<T | null> {
  let fd: number;
  try {
    fd = await open(realPath, flags);
  } catch (error) {
    if (isNotThere(error)) return null;
    throw error;
  }
  let accepted: T | null;
  try {
    accepted = await accept(fd);
  } catch (error) {
    await closeFd(fd);
    throw error;
  }
  if (accepted === null) await closeFd(fd);
  return accepted;
}
