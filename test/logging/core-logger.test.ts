import test from 'ava';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { closeLogger, createCoreLogger, FileSink, SinkTransport } from '../../src/logging/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { exited, runFixture } from './helpers.js';

function setup(t: { teardown: (fn: () => void) => void }) {
  const home = makeTempHome('lc');
  t.teardown(() => removeTempHome(home));
  const file = path.join(home, 'agentd.log');
  return { home, file, sink: new FileSink(file, { maxSize: null, keep: 1, compress: false }) };
}

const records = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

test('JSON lines: time, level, component, message, then meta, in that order', async (t) => {
  const { file, sink } = setup(t);
  const log = createCoreLogger(sink, { level: 'info' });
  log.info('plain', { a: 1 });
  log.child({ component: 'rpc' }).warn('from rpc', { client: 3, error: new Error('boom'), big: 10n });
  log.debug('below the level');
  log.error(new Error('bare error'));
  await closeLogger(log);
  const [plain, rpc, bare] = records(file);
  t.deepEqual(Object.keys(plain ?? {}), ['time', 'level', 'message', 'a']);
  t.like(plain, { level: 'info', message: 'plain', a: 1 });
  t.false(Number.isNaN(Date.parse(String(plain?.['time']))));
  t.deepEqual(Object.keys(rpc ?? {}), ['time', 'level', 'component', 'message', 'client', 'error', 'big']);
  t.like(rpc, { component: 'rpc', client: 3, error: { name: 'Error', message: 'boom' }, big: '10' });
  t.like(bare, { level: 'error', message: 'bare error' });
  t.regex(String(bare?.['stack']), /bare error\n\s+at /);
  t.is(records(file).length, 3);
  await sink.close();
});

test('lines are in the file when log() returns, and after closeLogger every line is', async (t) => {
  const { file, sink } = setup(t);
  const log = createCoreLogger(sink, { level: 'info' });
  let finished = false;
  (log.transports[0] as SinkTransport).on('finish', () => { finished = true; });
  log.info('first');
  t.is(sink.stats().lines, 1, 'written synchronously');
  for (let n = 0; n < 10_000; n++) log.info('many', { n });
  await closeLogger(log);
  await closeLogger(log); // idempotent
  t.is(records(file).length, 10_001);
  t.deepEqual(log.transports, [], 'ended transports are unpiped');
  t.true(finished, 'closeLogger waited for the transport\'s finish');
  await sink.close();
});

test('SinkTransport emits logged and leaves its sink open when it ends', async (t) => {
  const { sink } = setup(t);
  const transport = new SinkTransport(sink);
  const logged = once(transport, 'logged');
  transport.log({ [Symbol.for('message')]: '{"x":1}' }, () => {});
  await logged;
  const finished = once(transport, 'finish');
  transport.end();
  await finished;
  t.true(sink.write('still open\n'));
  await sink.close();
});

test('foreground mode writes the same lines to stdout', async (t) => {
  const { file } = setup(t);
  const child = runFixture('core-stdout', [file], ['ignore', 'pipe', 'inherit']);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  const [code] = await Promise.all([exited(child), once(child.stdout!, 'end')]);
  t.is(code, 0);
  const fileText = fs.readFileSync(file, 'utf8');
  t.is(fileText.split('\n').filter(Boolean).length, 3);
  t.is(out.replace(/\r\n/g, '\n'), fileText);
});
