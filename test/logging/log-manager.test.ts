import test from 'ava';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogsConfig } from '../../src/config/schema.js';
import { attachPluginOutput, closeLogger, createCoreLogger, LogManager } from '../../src/logging/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { exited, readAllLines, rotatedFiles, runFixture, sequenceProblem } from './helpers.js';

const config = (over: Partial<LogsConfig> = {}): LogsConfig => ({ maxSize: null, keep: 5, compress: false, level: 'info', ...over });

function setup(t: { teardown: (fn: () => void) => void }, over: Partial<LogsConfig> = {}) {
  const home = makeTempHome('lm');
  t.teardown(() => removeTempHome(home));
  const paths = { log: path.join(home, 'agentd.log'), logsDir: path.join(home, 'logs') };
  return { home, paths, logs: new LogManager(paths, config(over)) };
}

test('plugin() creates logs/ (0700) and <name>.log (0600) once, and refuses unsafe names', async (t) => {
  const { paths, logs } = setup(t);
  const sink = logs.plugin('web');
  t.is(logs.plugin('web'), sink);
  t.is(sink.path, path.join(paths.logsDir, 'web.log'));
  t.is(fs.statSync(paths.logsDir).mode & 0o777, 0o700);
  t.is(fs.statSync(sink.path).mode & 0o777, 0o600);
  t.throws(() => logs.plugin('../evil'), { message: /invalid/ });
  t.throws(() => logs.plugin('agentd'), { message: /invalid/ });
  await t.throwsAsync(logs.tail('../../etc/passwd', 1), { message: /invalid/ });
  t.deepEqual(logs.status().files.map((f) => f.path), [paths.log, sink.path]);
  await logs.close();
});

for (const compress of [false, true]) {
  test(`rotateAll during a burst from plugin processes and the core logger: every line exactly once (compress ${compress})`, async (t) => {
    const { logs } = setup(t, { keep: 1000, compress });
    const log = createCoreLogger(logs.core, { level: 'info' });
    const coreTransport = log.transports[0]!;
    const children = ['alpha', 'beta'].map((name) => {
      // 2 × 25,000 lines/s from the plugins, plus the core's own 25,000.
      const child = runFixture('flood', ['--rate', '25000'], ['pipe', 'pipe', 'inherit']);
      attachPluginOutput(logs.plugin(name), child.stdout!, { stream: 'stdout', pid: child.pid ?? 0, instance: 0 });
      return { name, child, done: Promise.all([once(child.stdout!, 'end'), exited(child)]) };
    });
    let coreN = 0;
    let coreRunning = true;
    const coreWriter = (async () => {
      // About 25,000 lines/s: 25 lines a millisecond, a batch per timer tick, catching up after slow ticks.
      const t0 = Date.now();
      while (coreRunning) {
        while (coreN < (Date.now() - t0) * 25) log.info('burst', { n: coreN++ });
        await sleep(1);
      }
    })();

    const started = Date.now();
    let calls = 0;
    for (let r = 0; r < 36; r++) {
      // Fresh lines since the last rotation, from one plugin and from the core.
      await Promise.all([once(children[r % 2]!.child.stdout!, 'data'), once(coreTransport, 'logged')]);
      // Now and then two at once: the second waits for the first, then rotates again.
      const batch = r % 8 === 0 ? [logs.rotateAll(), logs.rotateAll()] : [logs.rotateAll()];
      calls += batch.length;
      const results = await Promise.all(batch);
      t.true(results.every((res) => Array.isArray(res.files)));
    }
    const tLoop = Date.now();
    for (const { child } of children) child.stdin!.end(); // the flood stops at its next turn
    await Promise.all(children.map((c) => c.done));
    const tChildren = Date.now();
    coreRunning = false;
    await coreWriter;
    await closeLogger(log);
    await logs.close();

    const seconds = (Date.now() - started) / 1000;
    t.log(`loop ${tLoop - started} ms, children end ${tChildren - tLoop} ms, close ${Date.now() - tChildren} ms`);
    let pluginLines = 0;
    for (const { name } of children) {
      const sink = logs.plugin(name);
      const messages = readAllLines(sink.path).map((l) => String((JSON.parse(l) as { message: string }).message));
      const end = messages.pop() ?? '';
      t.regex(end, /^END \d+$/);
      const count = Number(end.split(' ')[1]);
      t.is(sequenceProblem(messages.map((m) => Number(m.split(' ')[1])), count), null, name);
      t.true(sink.stats().rotations >= 18, `${name}: ${sink.stats().rotations} rotations`);
      pluginLines += count;
    }
    const core = readAllLines(logs.core.path).map((l) => (JSON.parse(l) as { n: number }).n);
    t.is(sequenceProblem(core, coreN), null, 'agentd.log');
    t.true(logs.core.stats().rotations >= 36, `agentd.log: ${logs.core.stats().rotations} rotations`);
    if (compress) t.true(rotatedFiles(logs.core.path).every((f) => f.gz));
    t.log(`${calls} rotateAll calls; ${pluginLines} plugin lines + ${coreN} core lines in ${seconds.toFixed(2)} s (${Math.round((pluginLines + coreN) / seconds)} lines/s)`);
  });
}

test('tail reads backwards and continues into x.1 across the rotation boundary', async (t) => {
  const { logs } = setup(t);
  const sink = logs.plugin('web');
  for (let i = 0; i < 10; i++) sink.write(`line ${i}\n`);
  await logs.rotateAll();
  for (let i = 10; i < 13; i++) sink.write(`line ${i}\n`);
  t.deepEqual(await logs.tail('web', 5), ['line 8', 'line 9', 'line 10', 'line 11', 'line 12']);
  t.deepEqual(await logs.tail('web', 2), ['line 11', 'line 12']);
  t.is((await logs.tail('web', 100)).length, 13);
  t.deepEqual(await logs.tail('nobody', 5), []);
  await logs.close();
});

test('tail continues into a compressed x.1.gz', async (t) => {
  const { logs } = setup(t, { compress: true });
  for (let i = 0; i < 1000; i++) logs.core.write(`line ${i}\n`);
  await logs.rotateAll();
  await logs.core.settled();
  t.true(fs.existsSync(`${logs.core.path}.1.gz`));
  logs.core.write('line 1000\n');
  t.deepEqual(await logs.tail('agentd', 3), ['line 998', 'line 999', 'line 1000']);
  await logs.close();
});

test('tail of a large file reads only its end, correctly across chunk boundaries', async (t) => {
  const { logs } = setup(t);
  const sink = logs.plugin('big');
  let text = '';
  for (let i = 0; i < 100_000; i++) text += `${i} ${'y'.repeat(i % 97)}\n`; // about 5 MB, ragged lines
  sink.write(text);
  const last = await logs.tail('big', 3000);
  t.is(last.length, 3000);
  t.deepEqual(last.map((l) => Number(l.split(' ')[0])), Array.from({ length: 3000 }, (_, i) => 97_000 + i));
  t.is(last[2999], `99999 ${'y'.repeat(99_999 % 97)}`);
  await logs.close();
});

test('follow delivers new lines per source, or from all sources, until unsubscribed', async (t) => {
  const { logs } = setup(t);
  const web = logs.plugin('web');
  const seen: string[] = [];
  const all: string[] = [];
  const stopWeb = logs.follow('web', (source, line) => seen.push(`${source}:${line}`));
  const stopAll = logs.follow(null, (source, line) => all.push(`${source}:${line}`));
  web.write('a\nb\n');
  logs.core.write('c\n');
  logs.plugin('late').write('d\n');
  t.deepEqual(seen, ['web:a', 'web:b']);
  t.deepEqual(all, ['web:a', 'web:b', 'agentd:c', 'late:d']);
  stopWeb();
  stopAll();
  web.write('e\n');
  t.is(seen.length, 2);
  t.is(all.length, 4);
  t.is(web.onWrite, null, 'no cost per write without followers');
  await logs.close();
});

test('a follower that logs does not feed itself, and a throwing one harms nothing', async (t) => {
  const { logs } = setup(t);
  let calls = 0;
  logs.follow('agentd', () => {
    calls++;
    logs.core.write('written by the follower\n');
    throw new Error('follower bug');
  });
  t.true(logs.core.write('x\n'));
  t.is(calls, 1);
  t.is(fs.readFileSync(logs.core.path, 'utf8'), 'x\nwritten by the follower\n');
  await logs.close();
});

test('reconfigure applies new limits; reopenAll and checkPaths follow moved files', async (t) => {
  const { logs } = setup(t);
  const web = logs.plugin('web');
  logs.reconfigure(config({ maxSize: 100, keep: 2 }));
  for (let i = 0; i < 30; i++) web.write(`${String(i).padStart(19, '0')}\n`); // 20 bytes each
  t.is(web.stats().rotations, 6);
  t.is(rotatedFiles(web.path).length, 2);

  fs.renameSync(logs.core.path, `${logs.core.path}.ext`);
  fs.unlinkSync(web.path);
  t.deepEqual(logs.reopenAll(), { files: [logs.core.path, web.path], failed: [] });
  t.true(fs.existsSync(logs.core.path) && fs.existsSync(web.path));
  fs.unlinkSync(web.path);
  t.deepEqual(logs.checkPaths(), [web.path]);
  t.deepEqual(logs.checkPaths(), []);
  await logs.close();
});

test('rotateAll reports a failed file and still rotates the others', async (t) => {
  const { paths, logs } = setup(t);
  const web = logs.plugin('web');
  web.write('w\n');
  logs.core.write('c\n');
  for (let g = 1; g <= 4; g++) fs.writeFileSync(`${paths.log}.${g}`, `${g}\n`);
  fs.mkdirSync(`${paths.log}.5`); // past keep: it must go, but rm refuses a directory
  fs.writeFileSync(path.join(`${paths.log}.5`, 'x'), '');
  const error = await t.throwsAsync(logs.rotateAll(), { message: /cannot rotate .*agentd\.log/ });
  t.like((error as unknown as { data: unknown }).data, { rotated: [web.path], failed: [paths.log] });
  t.true(logs.core.write('still written\n'));
  t.is(fs.readFileSync(paths.log, 'utf8'), 'c\nstill written\n');
  t.is(fs.readFileSync(`${web.path}.1`, 'utf8'), 'w\n');
  await logs.close();
});
