import fs from 'node:fs';
import { errors } from '../errors/index.js';

/**
 * Refuse a pidfile path that holds something agentd did not put there: a directory, a symlink
 * (the launcher would truncate whatever it points at), or a file owned by another user. Without
 * this the launcher fails with a bare errno, or locks a file that the cleanup then refuses to
 * remove (it never follows links), and every later start trips over it again.
 */
export function checkPidfile(home: string, pidfile: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(pidfile);
  } catch {
    return; // absent (the launcher creates it), or unreadable: the launcher says why
  }
  const what = st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a directory' : !st.isFile() ? 'not a regular file' : null;
  const uid = process.getuid?.();
  const why = what ? `its pidfile ${pidfile} is ${what}` : uid !== undefined && st.uid !== uid ? `its pidfile ${pidfile} is owned by uid ${st.uid}, not ${uid}` : null;
  if (why) throw errors.homeUnsafe(home, why, `move ${pidfile} out of the way, then start again`);
}
