import { formatBytes, formatDuration } from '../../config/units.js';
import type { ExitCause, PluginRow } from '../../rpc/wire-types.js';
import { table } from './table.js';

/** The plugin table of `ctl status` and `ctl plugins`, cut to `maxWidth` columns when given. */
export function renderPlugins(rows: readonly PluginRow[], maxWidth?: number): string {
  if (rows.length === 0) return 'no plugins configured';
  const body = rows.map((p) => [
    p.name,
    p.state,
    p.pid === null ? '-' : String(p.pid),
    p.uptime === null ? '-' : formatDuration(p.uptime * 1000),
    String(p.restarts),
    p.memory.rss === null ? '-' : formatBytes(p.memory.rss),
    p.cpu === null ? '-' : `${p.cpu.toFixed(1)}%`,
    lastExit(p),
  ]);
  const notes = rows.filter((p) => p.error && p.state !== 'running').map((p) => `${p.name}: ${p.error}${p.nextStartAt ? ` (next start ${p.nextStartAt})` : ''}`);
  const t = table(['PLUGIN', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'RSS', 'CPU', 'LAST EXIT'], body, maxWidth);
  return notes.length ? `${t}\n\n${notes.join('\n')}` : t;
}

// Shown instead of the code or signal: these say why the process ended, which those do not.
const CAUSES: Record<ExitCause, string> = { 'start-failed': 'start failed', 'memory-limit': 'memory limit', 'health-check': 'health check', 'stop-timeout': 'stop timeout' };

function lastExit(p: PluginRow): string {
  if (!p.lastExit) return '-';
  const { cause, signal, code } = p.lastExit;
  const how = cause ? CAUSES[cause] : signal ?? `code ${code}`;
  const ago = formatDuration(Math.max(0, Date.now() - Date.parse(p.lastExit.at)));
  return `${how}, ${ago} ago`;
}
