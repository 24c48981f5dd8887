import test from 'ava';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { attachPluginOutput, FileSink, type PluginOutputMeta } from '../../src/logging/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { exited, runFixture, sequenceProblem } from './helpers.js';

/** Records each write() call: one per chunk that completed at least one line. */
class RecordingSink {
  writes: Array<{ text: string; lines: number }> = [];
  write(text: string, lines: number): boolean {
    this.writes.push({ text, lines });
    return true;
  }
  get records(): Array<Record<string, unknown>> {
    return this.writes.flatMap((w) => w.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  }
}

const stdoutMeta: PluginOutputMeta = { stream: 'stdout', pid: 42, instance: 1 };

/** Feed chunks one event-loop turn apart, then end the stream and wait for the flush. */
async function feed(chunks: Array<string | Buffer>, meta = stdoutMeta, maxLineBytes?: number): Promise<RecordingSink> {
  const sink = new RecordingSink();
  const stream = new Readable({ read() {} });
  attachPluginOutput(sink as unknown as FileSink, stream, meta, maxLineBytes === undefined ? {} : { maxLineBytes });
  for (const chunk of chunks) {
    stream.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    await nextTurn();
  }
  const ended = once(stream, 'end');
  stream.push(null);
  await ended;
  return sink;
}

test('text lines become JSON records, one write per chunk', async (t) => {
  const sink = await feed(['one\ntwo\n', 'three\r\n']);
  t.deepEqual(sink.writes.map((w) => w.lines), [2, 1]);
  const [first] = sink.records;
  t.deepEqual(Object.keys(first ?? {}), ['time', 'stream', 'pid', 'instance', 'message']);
  t.like(first, { stream: 'stdout', pid: 42, instance: 1, message: 'one' });
  t.deepEqual(sink.records.map((r) => r['message']), ['one', 'two', 'three']);
  t.false(Number.isNaN(Date.parse(String(first?.['time']))));
});

test('a partial line waits for the rest, even split inside a UTF-8 character', async (t) => {
  const e = Buffer.from('é'); // 2 bytes
  const sink = await feed(['par', Buffer.concat([Buffer.from('tial '), e.subarray(0, 1)]), Buffer.concat([e.subarray(1), Buffer.from('\nnext\n')])]);
  t.deepEqual(sink.records.map((r) => r['message']), ['partial é', 'next']);
  t.is(sink.writes.length, 1, 'nothing written until a line is complete');
});

test('a partial line is flushed at stream end', async (t) => {
  const sink = await feed(['done\nno newline at the end']);
  t.deepEqual(sink.records.map((r) => r['message']), ['done', 'no newline at the end']);
});

test('a line over maxLineBytes is cut into marked pieces, within one chunk or across chunks', async (t) => {
  const long = 'abcdefghij'.repeat(2) + 'klmno'; // 25 bytes
  const sink = await feed([`${long}\nshort\n`, 'ABCDEFGHIJKLMNO', 'PQR\n'], stdoutMeta, 10);
  t.deepEqual(sink.records.map((r) => [r['message'], r['cut'] ?? false]), [
    ['abcdefghij', true], ['abcdefghij', true], ['klmno', true],
    ['short', false],
    ['ABCDEFGHIJ', true], ['KLMNOPQR', true],
  ]);
});

test('cuts never split a UTF-8 character', async (t) => {
  const sink = await feed(['ééééé\n'], stdoutMeta, 5); // 10 bytes
  const pieces = sink.records.map((r) => String(r['message']));
  t.is(pieces.join(''), 'ééééé');
  t.false(pieces.some((p) => p.includes('\uFFFD')));
});

test('log-stream lines that are JSON objects pass verbatim; others are wrapped', async (t) => {
  const json = '{"time":"2026-01-01T00:00:00.000Z","stream":"log","pid":7,"instance":0,"level":"info","message":"hi"}';
  const sink = await feed([`${json}\nplain text\n{not closed\n`], { stream: 'log', pid: 7, instance: 0 });
  const lines = sink.writes.map((w) => w.text).join('').split('\n');
  t.is(lines[0], json);
  t.like(JSON.parse(lines[1] ?? ''), { stream: 'log', pid: 7, message: 'plain text' });
  t.like(JSON.parse(lines[2] ?? ''), { stream: 'log', message: '{not closed' });
});

test('a flooding child process: every stdout and stderr line captured once, in order', async (t) => {
  const home = makeTempHome('lp');
  t.teardown(() => removeTempHome(home));
  const file = path.join(home, 'flood.log');
  const sink = new FileSink(file, { maxSize: null, keep: 1, compress: false });
  const count = 200_000;
  const started = process.hrtime.bigint();
  const child = runFixture('flood', ['--count', String(count), '--both'], ['pipe', 'pipe', 'pipe']);
  const pid = child.pid ?? 0;
  attachPluginOutput(sink, child.stdout!, { stream: 'stdout', pid, instance: 0 });
  attachPluginOutput(sink, child.stderr!, { stream: 'stderr', pid, instance: 0 });
  await Promise.all([once(child.stdout!, 'end'), once(child.stderr!, 'end'), exited(child)]);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sink.close();

  const byStream: Record<string, number[]> = { stdout: [], stderr: [] };
  let end = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const rec = JSON.parse(line) as { stream: string; pid: number; message: string };
    t.is(rec.pid, pid);
    const [tag, n] = rec.message.split(' ');
    if (tag === 'END') end++;
    else byStream[rec.stream]?.push(Number(n));
  }
  t.is(end, 2);
  t.is(sequenceProblem(byStream['stdout'] ?? [], count), null);
  t.is(sequenceProblem(byStream['stderr'] ?? [], count), null);
  t.is(sink.stats().lines, 2 * count + 2);
  t.log(`${2 * count} lines in ${seconds.toFixed(2)} s: ${Math.round((2 * count) / seconds)} lines/s through attachPluginOutput`);
});
