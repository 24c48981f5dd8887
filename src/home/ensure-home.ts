import fs from 'node:fs';
import { errors } from '../errors/index.js';

/**
 * Create the home directory with mode 0700, or check an existing one: it must be a directory owned
 * by this user and not writable by group or others, since whoever can write there can replace the
 * control socket. A group- or world-readable home is tightened to 0700 rather than refused.
 */
export function ensureHome(home: string): void {
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(home);
  if (!st.isDirectory()) throw errors.homeUnsafe(home, 'it is not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw errors.homeUnsafe(home, `it is owned by uid ${st.uid}, not ${uid}`);
  if (st.mode & 0o022) throw errors.homeUnsafe(home, `it is writable by ${st.mode & 0o002 ? 'others' : 'its group'} (mode ${(st.mode & 0o777).toString(8)})`);
  if (st.mode & 0o077) fs.chmodSync(home, 0o700);
}
