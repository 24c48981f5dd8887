import { connect } from '../client/index.js';
import { isAgentdError } from '../errors/index.js';
import { checkHomeReadable } from '../home/index.js';
import type { DaemonStatus } from '../rpc/wire-types.js';
import { silentCore, stallCheck } from './silent-core.js';

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
    client = await connect({ home, timeoutMs: 10_000, stalled: stallCheck(home) });
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
