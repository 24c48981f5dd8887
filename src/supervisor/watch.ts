import fs from 'node:fs';
import path from 'node:path';
import { dynamicImport } from '../dynamic-import.js';
import { homePaths } from '../home/paths.js';

export interface PluginWatcher {
  /** Resolves once the initial scan is done: edits after this are seen. */
  ready: Promise<void>;
  close(): void;
}

const IGNORED = /(^|[/\\])(node_modules|\.[^/\\]+)([/\\]|$)/;

/**
 * Watch a plugin's files and call `onChange` once per burst of edits, `debounceMs` after the last.
 * A directory module is watched whole; a file module with the directory it lives in (its helpers
 * usually sit beside it). node_modules and dotfiles are ignored, and so is what agentd itself
 * writes under `home` (logs, caches, socket, pidfile): a plugin kept beside the config in the home
 * would otherwise restart on its own log lines, for ever. Package-name modules are not watched:
 * they change by reinstall, not by edit.
 */
export async function watchPlugin(module: string, debounceMs: number, home: string, onChange: (files: string[]) => void): Promise<PluginWatcher | null> {
  if (!path.isAbsolute(module)) return null;
  let root = module;
  try {
    if (!fs.statSync(module).isDirectory()) root = path.dirname(module);
  } catch {
    root = path.dirname(module);
  }
  const ours = ownOutputs(home);
  // Loaded here, not at start-up: most daemons watch nothing.
  const { watch } = await dynamicImport<typeof import('chokidar')>('chokidar');
  const watcher = watch(root, {
    ignoreInitial: true,
    depth: 8,
    ignored: (p) => IGNORED.test(path.relative(root, p)) || ours.some((o) => p === o || p.startsWith(o + path.sep) || p.startsWith(`${o}.`)),
  });
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (_event, file) => {
    changed.add(path.relative(root, file));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed = new Set();
      onChange(files);
    }, debounceMs);
  });
  watcher.on('error', () => { /* a vanished directory: nothing more to watch */ });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close: () => {
      clearTimeout(timer);
      void watcher.close();
    },
  };
}

/** What the daemon writes under its home; a prefix also covers its siblings (agentd.log.1, agentd.log.2.gz). */
function ownOutputs(home: string): string[] {
  const p = homePaths(home);
  return [p.logsDir, p.cacheDir, p.log, p.socket, p.pidfile];
}
