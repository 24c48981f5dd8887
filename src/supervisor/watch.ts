import fs from 'node:fs';
import path from 'node:path';
import { dynamicImport } from '../dynamic-import.js';
import { homePaths } from '../home/paths.js';

export interface PluginWatcher {
  /** Resolves once the initial scan is done: edits after this are seen. */
  ready: Promise<void>;
  close(): void;
}

/** What to watch: the plugin's own files, or (when they are not known) the directory of its module. */
export type WatchTarget = { files: string[] } | { module: string; home: string };

const IGNORED = /(^|[/\\])(node_modules|\.[^/\\]+)([/\\]|$)/;

/**
 * Call `onChange` once per burst of changes to `target`, `debounceMs` after the last. Files are
 * followed through their directories, so that an editor's save by rename (a new inode) is seen
 * like an edit in place; everything else in those directories is ignored.
 */
export async function watchPlugin(target: WatchTarget, debounceMs: number, onChange: (files: string[]) => void): Promise<PluginWatcher> {
  // Loaded here, not at start-up: most daemons watch nothing.
  const { watch } = await dynamicImport<typeof import('chokidar')>('chokidar');
  const { roots, ignored, depth, base } = 'files' in target ? exactly(target.files) : directoryOf(target.module, target.home);
  const watcher = watch(roots, { ignoreInitial: true, depth, ignored });
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  watcher.on('all', (_event, file) => {
    changed.add(path.relative(base, file));
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

function exactly(list: string[]) {
  const files = new Set(list);
  const dirs = new Set(list.map((f) => path.dirname(f)));
  return {
    roots: [...dirs],
    depth: 0,
    ignored: (p: string) => !files.has(p) && !dirs.has(p),
    base: commonDir([...dirs]),
  };
}

/**
 * The coarse fallback, for a plugin whose files are not known (it never loaded): a directory module
 * whole, a file module with its directory, minus node_modules, dotfiles and what agentd itself
 * writes under `home` (a plugin beside the config would restart on its own log lines).
 */
function directoryOf(module: string, home: string) {
  let root = module;
  try {
    if (!fs.statSync(module).isDirectory()) root = path.dirname(module);
  } catch {
    root = path.dirname(module);
  }
  const ours = ownOutputs(home);
  return {
    roots: [root],
    depth: 8,
    ignored: (p: string) => IGNORED.test(path.relative(root, p)) || ours.some((o) => p === o || p.startsWith(o + path.sep) || p.startsWith(`${o}.`)),
    base: root,
  };
}

function commonDir(dirs: string[]): string {
  let common = dirs[0] ?? '/';
  for (const d of dirs) while (d !== common && !d.startsWith(common + path.sep) && common !== path.dirname(common)) common = path.dirname(common);
  return common;
}

/** What the daemon writes under its home; a prefix also covers its siblings (agentd.log.1, agentd.log.2.gz). */
function ownOutputs(home: string): string[] {
  const p = homePaths(home);
  return [p.logsDir, p.cacheDir, p.log, p.socket, p.pidfile];
}
