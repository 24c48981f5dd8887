import { connect, type StallCheck } from '../client/index.js';
import fs from 'node:fs';
import { errors, type AgentdError, type SilentWhy } from '../errors/index.js';
import { homePaths } from '../home/index.js';
import { lockHolder } from '../native/addon.js';
import { statFields } from '../supervisor/proc-tree.js';

/**
 * How long a call goes unanswered before ctl asks whether the core is alive at all, and how long
 * the core then gets to answer a trivial call on a connection of its own: together the few
 * seconds after which an operator hears that a frozen core is frozen (systemctl and supervisorctl
 * give up as soon), while a slow call on a live core (a plugin's long stop) is waited for.
 */
const QUIET_MS = 1500;
const PROBE_MS = 1500;

/** For `connect({ stalled })`: ends a call with E_NOT_RESPONDING once the core stops answering. */
export function stallCheck(home: string): StallCheck {
  return {
    afterMs: QUIET_MS,
    check: async (method) => {
      if (await answers(home)) return null;
      const timeout = errors.rpcTimeout(method, QUIET_MS + PROBE_MS);
      return silentCore(home, timeout) ?? timeout;
    },
  };
}

async function answers(home: string): Promise<boolean> {
  try {
    const probe = await connect({ home, timeoutMs: PROBE_MS });
    try { await probe.call('rpc.methods'); } finally { probe.close(); }
    return true;
  } catch {
    return false;
  }
}

/**
 * E_NOT_RESPONDING for the core holding the home's lock, naming its pid and, when the process is
 * stopped (SIGSTOP, ^Z), how to resume it; null when no core holds the lock.
 */
export function silentCore(home: string, cause: unknown): AgentdError | null {
  const { pidfile, socket } = homePaths(home);
  const holder = lockHolder(pidfile);
  if (holder === 0) return null;
  const pid = holder > 0 ? holder : null;
  return errors.notResponding(pid, socket, silentWhy(pid, socket), { cause, data: { running: true, pid, home, socket } });
}

function silentWhy(pid: number | null, socket: string): SilentWhy {
  if (pid !== null && statFields(pid)?.[0] === 'T') return 'stopped';
  let st: fs.Stats;
  try { st = fs.lstatSync(socket); } catch { return 'missing'; }
  return st.isSocket() ? 'silent' : 'not-a-socket';
}
