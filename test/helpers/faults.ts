import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ExecutionContext } from 'ava';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, markedProcesses, type TestDaemon } from './daemon.js';
import { ancestors, cmdline, processGroupMembers, procInfo, waitUntil } from './proc.js';
import { RawSession } from './raw-socket.js';

/**
 * The invariants every fault test checks afterwards: the daemon answers, nothing it started is
 * left running outside its supervision, its lock and socket are its own, and log lines it accepted
 * are in its files.
 */


/**
 * Orphans of a running core: marked processes that are not the core or one of its descendants,
 * plus any live process in a group of `formerGroups` (plugin hosts that are gone).
 */
export function orphansOf(home: string, corePid: number, formerGroups: readonly number[] = []): string[] {
  const out: string[] = [];
  const all = processGroupMembers();
  // Supervised: a descendant of the core (plugin hosts, spares, and what they started). An orphan
  // was reparented away from it (to init or a subreaper).
  for (const pid of markedProcesses(home)) {
    if (pid === corePid || ancestors(pid).includes(corePid)) continue;
    const info = procInfo(pid);
    out.push(`${pid} (ppid ${info?.ppid}, pgid ${info?.pgid}): ${cmdline(pid)}`);
  }
  const former = new Set(formerGroups);
  for (const p of all) {
    if (former.has(p.pgid)) out.push(`${p.pid} in former plugin group ${p.pgid}: ${cmdline(p.pid)}`);
  }
  return [...new Set(out)];
}

export interface HealthyOptions {
  /** Process groups of plugin hosts that the fault ended: nothing may live in them any more. */
  formerGroups?: readonly number[];
  /** How long orphans get to be reaped (a group kill is asynchronous). */
  settleMs?: number;
}

/**
 * After a fault, with the core still running: it answers daemon.status on a fresh connection (its
 * socket is its own), it holds its lock, and no orphan is left (waited for up to `settleMs`).
 */
export async function assertDaemonHealthy(t: ExecutionContext, d: TestDaemon, options: HealthyOptions = {}): Promise<void> {
  const s = await RawSession.open(d.paths.socket);
  try {
    s.send('{"jsonrpc":"2.0","id":"after-fault","method":"daemon.status"}\n');
    const reply = await s.next(30_000);
    t.is(reply.id, 'after-fault', 'the daemon answers');
    t.is(reply.result?.pid, d.pid, 'the same core answers');
  } finally {
    s.close();
  }
  t.is(lockHolder(d.paths.pidfile), d.pid, 'the core holds its lock');
  t.is(fs.readFileSync(d.paths.pidfile, 'utf8').trim(), String(d.pid), 'the pidfile names the core');
  t.true(fs.lstatSync(d.paths.socket).isSocket(), 'the socket file is a socket');
  let orphans: string[] = [];
  try {
    await waitUntil(() => (orphans = orphansOf(d.home, d.pid, options.formerGroups)).length === 0, options.settleMs ?? 15_000, 'orphans to go');
  } catch { /* reported below */ }
  t.deepEqual(orphans, [], 'no orphan process');
}

/** After the core died: every process it started goes by itself, and its lock is free. */
export async function assertAllGone(t: ExecutionContext, home: string, pidfile: string, timeoutMs = 20_000): Promise<void> {
  let left: number[] = [];
  try {
    await waitUntil(() => (left = markedProcesses(home)).length === 0, timeoutMs, 'every process of the dead core to exit');
  } catch { /* reported below */ }
  t.deepEqual(left.map((p) => `${p}: ${cmdline(p)}`), [], 'no process of the dead daemon is left');
  // A dying process gives up its memory (its environ turns unreadable, so the scan above no
  // longer sees it) before its files, the lock among them: wait for the lock itself.
  try { await waitUntil(() => lockHolder(pidfile) === 0, timeoutMs, 'the lock to be free'); } catch { /* reported below */ }
  t.is(lockHolder(pidfile), 0, 'the lock is free');
}

/** The live file and its rotated generations (x.log.N, x.log.N.gz), oldest first. */
export function generationFiles(live: string): string[] {
  const dir = path.dirname(live);
  const base = path.basename(live);
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const rotated = names
    .map((n) => ({ n, m: n.startsWith(`${base}.`) ? /^(\d+)(\.gz)?$/.exec(n.slice(base.length + 1)) : null }))
    .filter((e): e is { n: string; m: RegExpExecArray } => e.m !== null)
    .sort((a, b) => Number(b.m[1]) - Number(a.m[1]))
    .map((e) => path.join(dir, e.n));
  return [...rotated, ...(names.includes(base) ? [live] : [])];
}

/** Every line of one file (gunzipped if `.gz`). Throws on a damaged archive. */
export function fileLines(file: string): string[] {
  const raw = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8').split('\n').filter((l) => l !== '');
}

/**
 * Every line of a log whose rotated generations are gzipped (logs.compress), read once the core
 * has gzipped them all: gzips run behind the rotations, so one may still be under way.
 */
export async function gzippedLogLines(live: string, timeoutMs = 30_000): Promise<string[]> {
  await waitUntil(() => strayFiles(live).length === 0 && generationFiles(live).every((f) => f === live || f.endsWith('.gz')), timeoutMs, `every rotated generation of ${live} gzipped`);
  return generationFiles(live).flatMap((f) => fileLines(f));
}

/** Files next to `live` that belong to no generation (e.g. a compression's leftover `.gz.tmp`). */
export function strayFiles(live: string): string[] {
  const dir = path.dirname(live);
  const base = path.basename(live);
  const known = new Set(generationFiles(live).map((f) => path.basename(f)));
  return fs.readdirSync(dir).filter((n) => n.startsWith(base) && !known.has(n));
}

/** A generation present both plain and gzipped (its lines would be there twice). */
export function doubledGenerations(live: string): string[] {
  const names = new Set(generationFiles(live).map((f) => path.basename(f)));
  return [...names].filter((n) => !n.endsWith('.gz') && names.has(`${n}.gz`));
}

export interface TickerLines {
  /** Seq numbers by writer pid, in file order. */
  byPid: Map<number, number[]>;
  /** `ticker stopped after N` lines, by pid. */
  stoppedAfter: Map<number, number>;
  /** Lines that are not JSON objects (a torn line). */
  torn: string[];
}

/** Parse plugin log lines written by the log-ticker fixture. */
export function tickerLines(lines: readonly string[]): TickerLines {
  const out: TickerLines = { byPid: new Map(), stoppedAfter: new Map(), torn: [] };
  for (const line of lines) {
    let entry: { pid?: number; message?: string };
    try { entry = JSON.parse(line) as typeof entry; } catch { out.torn.push(line); continue; }
    if (typeof entry !== 'object' || entry === null) { out.torn.push(line); continue; }
    const m = /^tick (\d+)$/.exec(entry.message ?? '');
    if (m && entry.pid !== undefined) {
      let list = out.byPid.get(entry.pid);
      if (!list) out.byPid.set(entry.pid, (list = []));
      list.push(Number(m[1]));
    }
    const s = /^ticker stopped after (\d+)$/.exec(entry.message ?? '');
    if (s && entry.pid !== undefined) out.stoppedAfter.set(entry.pid, Number(s[1]));
  }
  return out;
}

/**
 * Problems with a run of seq numbers that should be `from`, from+1, … in order: duplicates,
 * gaps, reordering. Empty when it is exact.
 */
export function sequenceProblems(seqs: readonly number[], from = 0): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  let expect = from;
  for (const n of seqs) {
    if (seen.has(n)) problems.push(`${n} twice`);
    else if (n !== expect) problems.push(`${n} where ${expect} was due`);
    seen.add(n);
    expect = n + 1;
    if (problems.length > 5) break;
  }
  return problems;
}

/**
 * A log-ticker entry to run beside the plugin under test, so that every fault test can also show
 * that no accepted log line was lost: see {@link assertTickerIntact}.
 */
export const tickerEntry = { module: fixture('log-ticker'), config: { intervalMs: 5, perTick: 2 } };

/**
 * Stop the log-ticker (the core drains its pipe into the file), then read every generation of its
 * log: each process it ran as wrote 0, 1, 2 … and every one of those lines is there once. Returns
 * the number of lines checked.
 */
export async function assertTickerIntact(t: ExecutionContext, d: TestDaemon, client: { call(method: string, params?: Record<string, unknown>): Promise<unknown> }): Promise<number> {
  await client.call('plugins.stop', { name: 'log-ticker' });
  const ticks = tickerLines(generationFiles(`${d.paths.logsDir}/log-ticker.log`).flatMap((f) => fileLines(f)));
  t.deepEqual(ticks.torn, [], 'no torn line in the ticker log');
  let total = 0;
  for (const [pid, seqs] of ticks.byPid) {
    t.deepEqual(sequenceProblems(seqs), [], `ticker ${pid}: 0, 1, 2 … once each`);
    const stopped = ticks.stoppedAfter.get(pid);
    if (stopped !== undefined) t.is(seqs.length, stopped, `ticker ${pid}: all ${stopped} lines it wrote`);
    total += seqs.length;
  }
  t.true(total > 0, 'the ticker wrote lines');
  return total;
}
