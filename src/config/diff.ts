import { isDeepStrictEqual } from 'node:util';
import type { ResolvedPlugin } from './load.js';

/** What a reload must do: start the added, stop the removed, restart the changed, keep the rest. */
export interface PluginDiff {
  added: ResolvedPlugin[];
  removed: string[];
  changed: ResolvedPlugin[];
  unchanged: string[];
}

export function diffPlugins(before: readonly ResolvedPlugin[], after: readonly ResolvedPlugin[]): PluginDiff {
  const old = new Map(before.map((p) => [p.name, p]));
  const diff: PluginDiff = { added: [], removed: [], changed: [], unchanged: [] };
  for (const p of after) {
    const prev = old.get(p.name);
    if (!prev) diff.added.push(p);
    else if (isDeepStrictEqual(prev.entry, p.entry) && prev.module === p.module) diff.unchanged.push(p.name);
    else diff.changed.push(p);
    old.delete(p.name);
  }
  diff.removed = [...old.keys()];
  return diff;
}
