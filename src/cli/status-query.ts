import { connect } from '../client/index.js';
import { isAgentdError } from '../errors/index.js';
import type { DaemonStatus } from '../rpc/wire-types.js';

export type StatusAnswer = { running: true; status: DaemonStatus } | { running: false; home: string };

/** `daemon.status`, or "not running" when nothing listens on the home's socket. */
export async function queryStatus(home: string): Promise<StatusAnswer> {
  let client;
  try {
    client = await connect({ home, timeoutMs: 10_000 });
  } catch (e) {
    if (isAgentdError(e) && e.code === 'E_NOT_RUNNING') return { running: false, home };
    throw e;
  }
  try {
    return { running: true, status: await client.call('daemon.status') };
  } finally {
    client.close();
  }
}
