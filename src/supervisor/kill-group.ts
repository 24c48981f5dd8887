/**
 * Signal a plugin's whole process group, so that grandchildren it spawned go with it. ESRCH (the
 * group is already empty) is the expected outcome after a clean exit, not an error.
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
