import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { fixture, startTestDaemon } from '../../helpers/daemon.js';
import { tempHome } from '../../helpers/home.js';
import { peakRssOf, rssOf } from '../../helpers/proc.js';

const MiB = 1024 * 1024;
const mb = (n: number) => (n / MiB).toFixed(0);

/** A log of `count` JSON lines of about 1 KB each (or `padding` bytes and 70 more), as the core writes them, oldest first. */
function writeBigLog(file: string, count: number, padding = 1000): void {
  const pad = 'x'.repeat(padding);
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    for (let n = 0; n < count; n += 1000) {
      let text = '';
      for (let i = n; i < n + 1000; i++) text += `{"time":"2026-01-01T00:00:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.000Z","level":"info","message":"${pad} ${i}"}\n`;
      fs.writeSync(fd, text);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The largest RSS of `pid` seen while `work` runs. */
async function peakRss<T>(pid: number, work: Promise<T>): Promise<{ result: T; peak: number }> {
  let done = false;
  let peak = rssOf(pid)!;
  const result = work.finally(() => { done = true; });
  while (!done) {
    peak = Math.max(peak, rssOf(pid) ?? 0);
    await new Promise((r) => setImmediate(r));
  }
  return { result: await result, peak };
}

test('logs.tail and logs.follow of 100,000 lines from large logs: the newest lines that fit one reply, read with memory bounded by the reply limit', async (t) => {
  t.timeout(90_000);
  const home = tempHome(t);
  fs.mkdirSync(path.join(home, 'logs'), { mode: 0o700 });
  // 80 MB each, more than one reply may hold.
  writeBigLog(path.join(home, 'logs', 'forever.log'), 80_000);
  writeBigLog(path.join(home, 'logs', 'forever.log.1'), 20_000);
  const d = await startTestDaemon(t, { home, config: { plugins: { forever: { module: fixture('forever') } } } });
  const client = await d.client();
  const before = rssOf(d.pid)!;

  const tail = await peakRss(d.pid, client.call('logs.tail', { plugin: 'forever', lines: 100_000 }));
  const lines = tail.result.lines;
  t.true(lines.length > 1000 && lines.length < 80_000, `${lines.length} lines`);
  t.regex(String(lines.at(-1)!.message), / 79999$/, 'ends with the newest line');
  t.regex(String(lines[0]!.message), / \d+$/, 'begins with a whole line');
  const first = Number(/ (\d+)$/.exec(String(lines[0]!.message))![1]);
  t.is(first, 80_000 - lines.length, 'no line left out or doubled');

  const follow = await peakRss(d.pid, client.call('logs.follow', { lines: 100_000 }));
  t.true(follow.result.history.length > 1000, `${follow.result.history.length} lines of history`);
  const peak = Math.max(tail.peak, follow.peak);
  t.log(`core RSS ${mb(before)} MB before, at most ${mb(peak)} MB while answering; ${lines.length} lines in the tail`);
  // The text kept is at most half a reply (32 MiB); reading, parsing and serializing it costs a
  // multiple of that for a moment, bounded whatever the line count or the size of the files.
  t.true(peak - before < 400 * MiB, `core RSS grew by ${mb(peak - before)} MB`);
});

test('logs.tail and logs.follow of 100,000 lines (some 30 MB of log, near the 32 MiB a tail may read) grow the core\'s peak RSS by about the reply, not by eight times it', async (t) => {
  t.timeout(60_000);
  const home = tempHome(t);
  fs.mkdirSync(path.join(home, 'logs'), { mode: 0o700 });
  // The log of a plugin no longer configured: nothing else writes while the core answers.
  writeBigLog(path.join(home, 'logs', 'gone.log'), 120_000, 220);
  const d = await startTestDaemon(t, { home, config: { plugins: {} } });
  const client = await d.client();
  const before = peakRssOf(d.pid)!;

  const { lines } = await client.call('logs.tail', { plugin: 'gone', lines: 100_000 });
  const growth = peakRssOf(d.pid)! - before;
  const { history } = await (await d.client()).call('logs.follow', { plugin: 'gone', lines: 100_000 });
  const growthWithFollow = peakRssOf(d.pid)! - before;

  t.is(lines.length, 100_000);
  t.deepEqual(lines[0], { source: 'gone', time: '2026-01-01T00:00:20.000Z', level: 'info', message: `${'x'.repeat(220)} 20000` });
  t.is(lines.at(-1)!.message, `${'x'.repeat(220)} 119999`);
  t.deepEqual(history, lines);
  t.log(`core peak RSS grew by ${mb(growth)} MB for a reply of some 32 MB, ${mb(growthWithFollow)} MB after a follow with as much history`);
  // Answered from per-line strings and objects, the whole reply as one string and then as bytes,
  // this grew by some 250 MB; read in small batches and written as the bytes it was built in,
  // by some 50 MB. The bound leaves room for the garbage collector's timing.
  t.true(growth < 128 * MiB, `core peak RSS grew by ${mb(growth)} MB`);
  // The follow's own growth comes on top of the tail's pieces, not all collected yet.
  t.true(growthWithFollow < 192 * MiB, `core peak RSS grew by ${mb(growthWithFollow)} MB with the follow`);
});
