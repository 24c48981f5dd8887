import test from 'ava';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { BoundedStdout } from '../../src/logging/index.js';

/** A stdout whose reader has stalled until release() is called. */
function stalledStream() {
  const held: Array<() => void> = [];
  let text = '';
  let stalled = true;
  const stream = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      if (stalled) held.push(done);
      else done();
    },
  });
  return {
    stream,
    text: () => text,
    release: () => { stalled = false; for (const done of held.splice(0)) done(); },
  };
}

test('a stalled stdout queues at most maxBuffered bytes, drops whole lines past that, and reports them once it drains', async (t) => {
  const out = stalledStream();
  const stdout = new BoundedStdout(out.stream, 100);
  const reports: number[] = [];
  stdout.on('dropped', (n: number) => reports.push(n));
  const line = (n: number) => `{"n":${String(n).padStart(30, '0')}}\n`; // 39 bytes
  const taken = Array.from({ length: 10 }, (_, n) => stdout.write(line(n)));
  t.deepEqual(taken, [true, true, true, false, false, false, false, false, false, false]);
  t.true(out.stream.writableLength < 100 + 39);
  t.false(stdout.write(`${line(10)}${line(11)}`), 'two lines in one write, both dropped');
  t.deepEqual(reports, [], 'said once stdout takes lines again, not while it is stalled');

  const drained = once(stdout, 'dropped');
  out.release();
  t.deepEqual(await drained, [9]);
  t.is(out.text(), [0, 1, 2].map(line).join(''), 'only whole lines, in order');
  t.true(stdout.write(line(12)));
  await stdout.flush(1000);
  t.true(out.text().endsWith(line(12)));
});

test('an stdout that failed (EPIPE) takes nothing and does not throw', (t) => {
  const stream = new Writable({ write(_chunk, _enc, done) { done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })); } });
  const stdout = new BoundedStdout(stream, 100);
  stdout.write('{"a":1}\n');
  return new Promise<void>((resolve) => setImmediate(() => {
    t.false(stdout.write('{"a":2}\n'));
    resolve();
  }));
});
