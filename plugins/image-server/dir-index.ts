import fsp from 'node:fs/promises';
import path from 'node:path';
import { closeFd, isNotThere, openDirectory, pathOfFd, type Jail } from './resolve-path.js';

/** One line of a directory listing. Names are as on disk; join them to `path` to make a URL. */
export interface IndexEntry {
  name: string;
  type: 'file' | 'directory';
  size?: number;
  modified?: string;
}

export interface DirectoryIndex {
  path: string;
  entries: IndexEntry[];
  /** True when the directory had more than {@link MAX_ENTRIES} visible entries. */
  truncated: boolean;
}

export const MAX_ENTRIES = 10_000;

/**
 * The JSON listing of a directory inside the root (config `index`). It shows exactly what the
 * server would serve: no dotfiles, and no symlink whose target is outside the root (not even its
 * name). Entries are stat'ed one after another, so a big directory does not flood the thread
 * pool that file serving needs. null when the directory is gone, or is no longer a directory inside
 * the root (removed, or swapped for a symlink, since it was looked up).
 *
 * The directory is opened through the jail and everything is read through that fd, never by its
 * path again: a symlink swapped in after the open cannot redirect the listing or its stats.
 */
export async function listDirectory(jail: Jail, realDir: string, urlPath: string): Promise<DirectoryIndex | null> {
  const fd = await openDirectory(jail, realDir);
  if (fd === null) return null;
  try {
    return await listOpen(jail, pathOfFd(fd), urlPath);
  } finally {
    await closeFd(fd);
  }
}

async function listOpen(jail: Jail, dir: string, urlPath: string): Promise<DirectoryIndex | null> {
  let dirents;
  try {
    dirents = await fsp.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotThere(error)) return null;
    throw error;
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const entries: IndexEntry[] = [];
  let truncated = false;
  for (const dirent of dirents) {
    if (dirent.name.startsWith('.')) continue;
    if (entries.length === MAX_ENTRIES) {
      truncated = true;
      break;
    }
    let full = path.join(dir, dirent.name);
    try {
      if (dirent.isSymbolicLink()) {
        full = await fsp.realpath(full);
        if (!jail.contains(full)) continue;
      }
      // lstat: an entry swapped for a symlink since readdir (or since realpath) is left out, not followed.
      const st = await fsp.lstat(full);
      if (st.isFile()) entries.push({ name: dirent.name, type: 'file', size: st.size, modified: st.mtime.toISOString() });
      else if (st.isDirectory()) entries.push({ name: dirent.name, type: 'directory' });
    } catch (error) {
      if (!isNotThere(error)) throw error; // a dangling link or a file deleted meanwhile is left out
    }
  }
  return { path: urlPath, entries, truncated };
}
