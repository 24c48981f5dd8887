import fs from 'node:fs';

/**
 * The process tree below a pid, from /proc/PID/task/TID/children (a kernel built with
 * CONFIG_PROC_CHILDREN, as every major distribution's is). A snapshot: a process may fork or exit
 * while it is read.
 */

/** Every descendant of `root` (children, grandchildren …), parents before their children. */
export function descendantsOf(root: number): number[] {
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of childrenOf(pid)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Direct children, from every thread's list; empty when the process is gone. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try { tasks = fs.readdirSync(`/proc/${pid}/task`); } catch { return []; }
  return tasks.flatMap((tid) => taskChildren(pid, Number(tid)));
}

/** The children one thread forked, or was handed as their subreaper. */
export function taskChildren(pid: number, tid: number): number[] {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1'); } catch { return []; }
  const out: number[] = [];
  for (const field of text.split(' ')) if (field) out.push(Number(field));
  return out;
}

/** /proc/PID/stat from its state field on (state, ppid, pgrp, …); null when the process is gone. */
export function statFields(pid: number): string[] | null {
  let stat: string;
  try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return null; }
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
