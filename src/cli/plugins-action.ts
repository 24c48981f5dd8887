import type { Command } from '@oclif/core';
import type { AgentdClient } from '../client/index.js';
import type { PluginRow } from '../rpc/wire-types.js';

/** `ctl plugins start|stop|restart NAME`: one call, then a line per instance. */
export async function pluginsAction(cmd: Command, client: AgentdClient, method: 'plugins.start' | 'plugins.stop' | 'plugins.restart' | 'plugins.reload', name: string): Promise<PluginRow[]> {
  const rows = await client.call(method, { name });
  return printRows(cmd, rows);
}

export function printRows(cmd: Command, rows: PluginRow[]): PluginRow[] {
  for (const r of rows) cmd.log(`${r.name}: ${r.state}${r.pid ? ` (pid ${r.pid})` : ''}${r.error && r.state !== 'running' ? ` — ${r.error}` : ''}`);
  return rows;
}
