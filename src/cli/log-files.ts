import fs from 'node:fs';
import path from 'node:path';
import { PLUGIN_NAME } from '../config/schema.js';
import { homePaths } from '../home/index.js';
import { TAIL_MAX_BYTES, tailLines } from '../logging/tail.js';
import { toEntry } from '../logging/log-entry.js';
import type { LogEntry } from '../rpc/wire-types.js';

/**
 * The last `lines` lines of a log read straight from its files, for when no daemon runs to ask:
 * the log of a core that crashed or failed to start is what its operator most needs, as
 * `journalctl -u` shows a stopped unit's. Null when the home holds no such log.
 */
export async function tailLogFiles(home: string, source: string, lines: number): Promise<LogEntry[] | null> {
  const paths = homePaths(home);
  // Only a plugin name becomes a path: never `../something`.
  if (source !== 'agentd' && !PLUGIN_NAME.test(source)) return null;
  const live = source === 'agentd' ? paths.log : path.join(paths.logsDir, `${source}.log`);
  if (![live, `${live}.1`, `${live}.1.gz`].some((f) => fs.existsSync(f))) return null;
  return (await tailLines(live, lines, TAIL_MAX_BYTES)).map((l) => toEntry(source, l));
}
