import fs from 'node:fs';
import { sleep } from './stats.js';

/** /proc/PID/stat, parsed; null when the process is gone. */
export function procStat(pid) {
  let text;
  try { text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1'); } catch { return null; }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: f[0], ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]) };
}

/**
 * Gone, or a zombie: this machine's PID 1 reaps orphans late, so a dead process lingers as a
 * zombie (and kill(pid, 0) still succeeds on it). A zombie runs no code and holds no memory.
 */
export function isGone(pid) {
  const s = procStat(pid);
  return s === null || s.state === 'Z' || s.state === 'X';
}

/** Memory of a process from /proc/PID/status, in bytes: VmRSS and its parts. */
export function memory(pid) {
  let text;
  try { text = fs.readFileSync(`/proc/${pid}/status`, 'latin1'); } catch { return null; }
  const kb = (key) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : NaN;
  };
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem'), hwm: kb('VmHWM') };
}

/** Proportional set size from /proc/PID/smaps_rollup (shared pages split among their users). */
export function pss(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch { return NaN; }
}

export function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '); } catch { return ''; }
}

/** Every live (non-zombie) process. */
export function allProcesses() {
  const out = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s && s.state !== 'Z' && s.state !== 'X') out.push(s);
  }
  return out;
}

/** Live descendants of `pid`: children, grandchildren … */
export function descendants(pid) {
  const all = allProcesses();
  const found = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift();
    for (const p of all) if (p.ppid === parent) { found.push(p.pid); queue.push(p.pid); }
  }
  return found;
}

/** Poll every `pollMs` until every pid is gone; resolves with true, or false at the deadline. */
export async function waitGone(pids, timeoutMs, pollMs = 1) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (pids.every(isGone)) return true;
    if (performance.now() > deadline) return false;
    await sleep(pollMs);
  }
}

/** Poll until `check()` is truthy (returns its value), or throw at the deadline, naming `what`. */
export async function waitFor(check, timeoutMs, what, pollMs = 5) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function kill(pid, signal = 'SIGKILL') {
  try { process.kill(pid, signal); return true; } catch { return false; }
}

/**
 * Processes whose environment carries `NAME=value` (the run's tag, inherited by everything this
 * run starts: daemons, their plugins, PM2's and supervisord's children), except this one.
 */
export function processesTagged(name, value) {
  const needle = Buffer.from(`\0${name}=${value}\0`);
  const out = [];
  for (const p of allProcesses()) {
    if (p.pid === process.pid) continue;
    let env;
    try { env = fs.readFileSync(`/proc/${p.pid}/environ`); } catch { continue; }
    if (Buffer.concat([Buffer.from([0]), env]).includes(needle)) out.push(p.pid);
  }
  return out;
}

/**
 * RSS by kind of mapping, from /proc/PID/smaps: the executable's own pages (for Node, its code and
 * read-only data), other files (shared libraries, native addons), [heap] (malloc), anonymous
 * mappings (V8's heap, code space and other mmaps), and the rest ([stack], vdso …). Bytes.
 */
export function rssByMapping(pid) {
  let text;
  let exe;
  try {
    text = fs.readFileSync(`/proc/${pid}/smaps`, 'latin1');
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch { return null; }
  const out = { exe: 0, files: 0, heap: 0, anon: 0, other: 0 };
  let kind = 'other';
  for (const line of text.split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1].trim();
      kind = name === '' ? 'anon' : name === '[heap]' ? 'heap' : name.startsWith('[') ? 'other' : name === exe ? 'exe' : 'files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) * 1024;
  }
  return out;
}

/** CPU time a process has used (user + system), in ms, from /proc/PID/stat (10 ms resolution). */
export function cpuMs(pid) {
  try {
    const t = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch { return NaN; }
}
