import type { Command } from '@oclif/core';
import type { AgentdClient } from '../client/index.js';
import type { PluginRow } from '../rpc/wire-types.js';

/** `ctl plugins start|stop|restart NAME`: one call, then a line per instance. */
export async function pluginsAction(cmd: Command, client: AgentdClient, method: 'plugins.start' | 'plugins.stop' | 'plugins.restart' | 'plugins.reload', name: string): Promise<PluginRow[]> {
  const began = Date.now();
  const rows = await client.call(method, { name });
  return printRows(cmd, rows, began);
}

/**
 * A line per instance. `since`: when the action began, so that a process this action had to
 * SIGKILL at its stopTimeout is said to have been (a stop still succeeds, as systemctl's and
 * supervisorctl's do, but the plugin's stop function did not finish, which its author must hear).
 */
export function printRows(cmd: Command, rows: PluginRow[], since?: number): PluginRow[] {
  for (const r of rows) {
    const killed = since !== undefined && r.lastExit?.cause === 'stop-timeout' && Date.parse(r.lastExit.at) >= since;
    const what = r.state === 'running' ? 'its old process was killed' : 'killed';
    const note = r.error && r.state !== 'running' ? ` — ${r.error}` : killed ? ` — ${what} with SIGKILL at its stop timeout: it did not exit in time after SIGTERM; see \`ctl logs ${r.name}\`` : '';
    cmd.log(`${r.name}: ${r.state}${r.pid ? ` (pid ${r.pid})` : ''}${note}`);
  }
  return rows;
}
