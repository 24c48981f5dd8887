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
  const text = readProcFile(`/proc/${pid}/task/${tid}/children`);
  if (text === null) return [];
  const out: number[] = [];
  for (const field of text.split(' ')) if (field) out.push(Number(field));
  return out;
}

/** /proc/PID/stat from its state field on (state, ppid, pgrp, …); null when the process is gone. */
export function statFields(pid: number): string[] | null {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Running: it exists and is not a zombie waiting for a parent that does not reap (PID 1 in some containers). */
export function isLive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && !hasExited(state);
}

/** A zombie (Z) or dead (X) process state: exited, waiting to be reaped. */
export function hasExited(state: string | undefined): boolean {
  return state === 'Z' || state === 'X';
}

let buffer = Buffer.allocUnsafe(4096);

/**
 * A /proc file's text, null when it cannot be read (the process is gone). Into one buffer kept for
 * it: /proc reports a size of 0, so readFileSync reads into a new 8 KiB buffer each time, memory
 * outside V8's heap that waits for a garbage collection. At a few hundred reads a second (the
 * sampler walks every plugin's tree each second) that held about 3.5 MiB of the core's malloc heap.
 */
export function readProcFile(file: string): string | null {
  let fd: number;
  try { fd = fs.openSync(file, 'r'); } catch { return null; }
  try {
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger);
        buffer = bigger;
      }
    }
    return buffer.toString('latin1', 0, length);
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
