import test from 'ava';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { attachPluginOutput, createPluginLogger, FdTransport, FileSink } from '../../src/logging/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { exited, runFixture, sequenceProblem, waitForLine } from './helpers.js';

test('a plugin process logs JSON lines on its pipe; the core keeps them verbatim, none lost at exit', async (t) => {
  const home = makeTempHome('lg');
  t.teardown(() => removeTempHome(home));
  const file = path.join(home, 'demo.log');
  const sink = new FileSink(file, { maxSize: null, keep: 1, compress: false });
  const count = 50_000;
  const child = runFixture('plugin-log', [String(count)], ['ignore', 'inherit', 'inherit', 'pipe']);
  const pipe = child.stdio[3] as NodeJS.ReadableStream & import('node:stream').Readable;
  attachPluginOutput(sink, pipe, { stream: 'log', pid: child.pid ?? 0, instance: 2 });
  await Promise.all([once(pipe, 'end'), exited(child)]);
  await sink.close();

  const lines = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = records.pop();
  t.deepEqual(Object.keys(records[0] ?? {}), ['time', 'stream', 'pid', 'instance', 'level', 'message', 'n']);
  t.like(records[0], { stream: 'log', pid: child.pid, instance: 2, level: 'info', message: 'line', n: 0 });
  t.is(sequenceProblem(records.map((r) => Number(r['n'])), count), null);
  t.like(last, { level: 'warn', component: 'db', message: 'from a child', n: count });
  t.false(lines.some((l) => l.includes('below info')));
});

test('a non-blocking pipe that is full: EAGAIN is retried, no line lost', async (t) => {
  const home = makeTempHome('lf');
  t.teardown(() => removeTempHome(home));
  const fifo = path.join(home, 'pipe');
  const out = path.join(home, 'out');
  execFileSync('mkfifo', [fifo]);
  const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const reader = runFixture('fifo-reader', [fifo, out], ['pipe', 'pipe', 'inherit']);
  await waitForLine(reader, 'ready');
  // Fill the pipe: 4096-byte writes are atomic, so it ends on a whole filler line.
  const filler = Buffer.from(`${'f'.repeat(4095)}\n`);
  let fillers = 0;
  for (;;) {
    try {
      fs.writeSync(fd, filler);
      fillers++;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
      throw error;
    }
  }
  const log = createPluginLogger(fd, { plugin: 'demo', pid: 1, instance: 0 });
  const transport = log.transports[0] as FdTransport;
  reader.stdin!.write('go\n'); // the reader starts draining only now
  const count = 20_000;
  for (let n = 0; n < count; n++) log.info('line', { n }); // blocks (sleeps) while the pipe is full
  fs.closeSync(fd); // the last writer: the reader sees EOF
  t.is(await exited(reader), 0);

  const lines = fs.readFileSync(out, 'utf8').split('\n').filter(Boolean);
  t.is(lines.filter((l) => l.startsWith('fff')).length, fillers);
  const ns = lines.filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { n: number }).n);
  t.is(sequenceProblem(ns, count), null);
  t.is(transport.counts.dropped, 0);
  t.log(`${fillers} filler writes; ${transport.counts.retries} EAGAIN retries`);
});
