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

/**
 * Whether two settings of a plugin are the same but for the number of instances: a reload then
 * scales it, as `ctl plugins scale` does, and the instances that stay keep their processes.
 */
export function sameApartFromInstances(before: ResolvedPlugin, after: ResolvedPlugin): boolean {
  return before.module === after.module && isDeepStrictEqual({ ...before.entry, instances: 0 }, { ...after.entry, instances: 0 });
}
