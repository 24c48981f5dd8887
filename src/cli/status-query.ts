import { connect } from '../client/index.js';
import { errors, isAgentdError, type AgentdError } from '../errors/index.js';
import { checkHomeReadable, homePaths } from '../home/index.js';
import { lockHolder } from '../native/addon.js';
import type { DaemonStatus } from '../rpc/wire-types.js';

export type StatusAnswer = { running: true; status: DaemonStatus } | { running: false; home: string };

/**
 * `daemon.status`; "not running" only when no core holds the lock. A silent socket (removed,
 * not bound yet during start-up, or a core that does not answer) with the lock held is
 * E_NOT_RESPONDING: `ctl start` would say "already running", so status must not say "not running".
 */
export async function queryStatus(home: string): Promise<StatusAnswer> {
  checkHomeReadable(home);
  let client;
  try {
    client = await connect({ home, timeoutMs: 10_000 });
  } catch (e) {
    if (isAgentdError(e) && e.code === 'E_NOT_RUNNING') {
      const silent = silentCore(home, e);
      if (silent) throw silent;
      return { running: false, home };
    }
    throw e;
  }
  try {
    return { running: true, status: await client.call('daemon.status') };
  } catch (e) {
    if (isAgentdError(e) && (e.code === 'E_RPC_TIMEOUT' || e.code === 'E_CONNECTION_CLOSED')) throw silentCore(home, e) ?? e;
    throw e;
  } finally {
    client.close();
  }
}

function silentCore(home: string, cause: unknown): AgentdError | null {
  const { pidfile, socket } = homePaths(home);
  const holder = lockHolder(pidfile);
  if (holder === 0) return null;
  const pid = holder > 0 ? holder : null;
  return errors.notResponding(pid, socket, { cause, data: { running: true, pid, home, socket } });
}
