import { formatBytes, formatDuration } from '../../config/units.js';
import type { DaemonStatus } from '../../rpc/wire-types.js';
import { renderPlugins } from './plugins.js';

export function renderStatus(s: DaemonStatus, maxWidth?: number): string {
  const head = [
    `agentd ${s.version}  running  pid ${s.pid}  up ${formatDuration(s.uptime * 1000)}  rss ${formatBytes(s.memory.rss)}`,
    `home    ${s.home}`,
    `socket  ${s.socket}`,
    `config  ${s.config ?? '(built-in default)'}`,
  ];
  for (const f of s.logs.problems) {
    const error = f.lastError ? `${f.lastError.code} ${f.lastError.message}${f.failing ? '' : ' (writable again)'}; ` : '';
    head.push(`log     ${f.path}: ${error}${f.dropped} lines dropped`);
  }
  return `${head.join('\n')}\n\n${renderPlugins(s.plugins, maxWidth)}`;
}

export function renderNotRunning(home: string): string {
  return `agentd is not running (home ${home})`;
}
