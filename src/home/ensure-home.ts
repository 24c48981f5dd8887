import fs from 'node:fs';
import path from 'node:path';
import { errors } from '../errors/index.js';

/**
 * Create the home directory with mode 0700, or check an existing one: a directory owned by this
 * user that neither group nor others can enter. An existing directory is never changed (it may be
 * anything the user pointed `--home` at, /etc included): a loose one is refused, as ssh refuses a
 * loose ~/.ssh, with the chmod that fixes it.
 */
export function ensureHome(home: string): void {
  let created: string | undefined;
  try {
    created = makeDirs(home);
  } catch (cause) {
    throw errors.homeUnsafe(home, `it cannot be created (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, 'choose another --home', { cause });
  }
  // Ours: exactly 0700 whatever the umask.
  if (created !== undefined) fs.chmodSync(home, 0o700);
  const st = fs.lstatSync(home);
  if (!st.isDirectory()) throw errors.homeUnsafe(home, 'it is not a directory', 'choose another --home');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw errors.homeUnsafe(home, `it is owned by uid ${st.uid}, not ${uid}`, 'choose another --home');
  if (st.mode & 0o077) {
    throw errors.homeUnsafe(home, `it is accessible by its group or others (mode ${(st.mode & 0o777).toString(8)})`, `run \`chmod 700 ${home}\` or choose another --home`);
  }
}

/**
 * mkdir -p with mode 0700; returns the first directory it created, as mkdirSync's `recursive`
 * does. Not that option: under a file system that refuses new entries (/proc/x) Node 20's
 * recursive mkdir retries for ever instead of failing.
 */
function makeDirs(dir: string): string | undefined {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing) fs.mkdirSync(d, { mode: 0o700 });
  return missing[0];
}

/**
 * For the commands that only look into a home (status, stop, and any that connect), changing
 * nothing: a home that does not exist is a daemon that is not running, but one that is not a
 * directory, or that this user may not enter, is refused as `ensureHome` refuses it, rather than
 * surfacing as a bare `open …/agentd.pid: EACCES`.
 */
export function checkHomeReadable(home: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(home);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw errors.homeUnsafe(home, 'a component of its path is not a directory', 'choose another --home', { cause });
    throw errors.homeUnsafe(home, `it cannot be looked into (${code ?? String(cause)})`, 'run ctl as the user who owns it, or choose another --home', { cause });
  }
  if (!st.isDirectory()) throw errors.homeUnsafe(home, 'it is not a directory', 'choose another --home');
  try {
    fs.accessSync(home, fs.constants.R_OK | fs.constants.X_OK);
  } catch (cause) {
    throw errors.homeUnsafe(home, `it cannot be looked into (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`, `run ctl as the user who owns it (uid ${st.uid}), or choose another --home`, { cause });
  }
}
