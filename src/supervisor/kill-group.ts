import fs from 'node:fs';

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

/**
 * Each plugin host gets a token in this variable; every process it starts inherits it, including
 * one that left the host's process group with setsid() (a daemonizing grandchild), which a signal
 * to the group no longer reaches.
 */
export const HOST_TOKEN_VAR = 'AGENTD_HOST_TOKEN';

/**
 * SIGKILL every process (but this one) whose environment carries `token`: what is left of a plugin
 * host's tree after its group was killed. One read of /proc/PID/environ per process of this user.
 * Returns the pids signalled.
 */
export function killTokenHolders(token: string): number[] {
  const needle = Buffer.from(`\0${HOST_TOKEN_VAR}=${token}\0`);
  const killed: number[] = [];
  let names: string[];
  try { names = fs.readdirSync('/proc'); } catch { return killed; }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let env: Buffer;
    try { env = fs.readFileSync(`/proc/${pid}/environ`); } catch { continue; } // gone, or not ours
    if (env.length === 0) continue; // a zombie
    // The needle starts with NUL: the first variable has none before it, so put one there.
    if (!Buffer.concat([Buffer.from([0]), env]).includes(needle)) continue;
    try { process.kill(pid, 'SIGKILL'); killed.push(pid); } catch { /* already gone */ }
  }
  return killed;
}
