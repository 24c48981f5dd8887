import fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
  ttyNr: number;
  /** User plus system CPU time, in clock ticks (usually 1/100 s). */
  cpuTicks: number;
}

/** /proc/PID/stat, parsed; null when the process is gone. */
export function procInfo(pid: number): ProcInfo | null {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return null; }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), ttyNr: Number(f[4]), cpuTicks: Number(f[11]) + Number(f[12]) };
}

/**
 * Gone, or a zombie: this machine's PID 1 reaps orphans 1.5 s late, so a dead process lingers as a
 * zombie and kill(pid, 0) still succeeds on it.
 */
export function isGone(pid: number): boolean {
  const info = procInfo(pid);
  return info === null || info.state === 'Z' || info.state === 'X';
}

/** `pid`'s command line, arguments joined by spaces; '?' when it is gone. */
export function cmdline(pid: number): string {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim(); } catch { return '?'; }
}

/** Every live process on the machine with its parent and group. */
export function processGroupMembers(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = procInfo(Number(name));
    if (info && !isGone(info.pid)) out.push(info);
  }
  return out;
}

/** Live descendants of `pid` (children, grandchildren …). */
export function descendants(pid: number): number[] {
  const all = processGroupMembers();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) if (p.ppid === parent) { found.push(p.pid); queue.push(p.pid); }
  }
  return found;
}

/** Poll `condition` with a growing interval until true, or fail with what was awaited. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Live processes whose command line contains `text` (e.g. a test's home directory). */
export function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let cmdline: string;
    try { cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8'); } catch { continue; }
    if (cmdline.includes(text) && !isGone(Number(name))) found.push(Number(name));
  }
  return found;
}

/** The chain of parents of `pid`, nearest first, up to PID 1. */
export function ancestors(pid: number): number[] {
  const chain: number[] = [];
  for (let p = procInfo(pid)?.ppid; p && p > 0; p = procInfo(p)?.ppid) {
    chain.push(p);
    if (p === 1) break;
  }
  return chain;
}

/** A process's resident set size in bytes (VmRSS of /proc/PID/status); null when it is gone. */
export function rssOf(pid: number): number | null {
  return statusBytes(pid, 'VmRSS');
}

/** The most a process's resident set has ever been, in bytes (VmHWM); null when it is gone. */
export function peakRssOf(pid: number): number | null {
  return statusBytes(pid, 'VmHWM');
}

function statusBytes(pid: number, field: string): number | null {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return null; }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** A process's open file descriptors, as `fd -> target` (sockets, pipes, files). */
export function fdsOf(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  let names: string[];
  try { names = fs.readdirSync(`/proc/${pid}/fd`); } catch { return out; }
  for (const n of names) {
    try { out.set(Number(n), fs.readlinkSync(`/proc/${pid}/fd/${n}`)); } catch { /* closed meanwhile */ }
  }
  return out;
}
