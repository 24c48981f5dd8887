import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { fixture, ROOT, startTestDaemon } from '../helpers/daemon.js';
import { EventRecorder } from '../helpers/events.js';
import { fileLines, generationFiles, gzippedLogLines } from '../helpers/faults.js';
import { cmdline, descendants, waitUntil } from '../helpers/proc.js';

test('a plugin log burst across several rotations counts every line exactly once, per stream', async (t) => {
  const d = await startTestDaemon(t, { config: { logs: { keep: 1000, maxSize: null, compress: true }, plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const rotator = await d.client();
  let done = false;
  let rotations = 0;
  const rotating = (async () => { while (!done) { await rotator.call('logs.rotate'); rotations++; } })();
  const counts = { stdout: 30_000, stderr: 10_000, log: 10_000 };
  const runs = await Promise.all(Object.entries(counts).map(([stream, count]) => client.call<{ run: number }>('log-burst.burst', { count, stream })));
  // The burst's last lines may still be in the pipe: stop the plugin so the core drains it all.
  await client.call('plugins.stop', { name: 'log-burst' });
  done = true;
  await rotating;
  t.true(rotations >= 3, `${rotations} rotations during the burst`);
  const lines = (await gzippedLogLines(`${d.paths.logsDir}/log-burst.log`)).map((l) => JSON.parse(l) as { stream: string; message: string });
  for (const [i, [stream, count]] of Object.entries(counts).entries()) {
    const seen = lines.filter((l) => l.stream === stream && l.message.startsWith(`burst ${runs[i]!.run} `)).map((l) => Number(l.message.split(' ')[2]));
    t.is(seen.length, count, `${stream}: no line lost or doubled`);
    t.is(new Set(seen).size, count, `${stream}: every number once`);
  }
});

test('ctl logs tail and follow see plugin lines with their stream', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const follower = await d.client();
  const seen: string[] = [];
  follower.on('log', (e) => { if (typeof e.message === 'string') seen.push(`${e.source}:${e.stream}:${e.message}`); });
  const { following } = await follower.call('logs.follow', { plugin: 'log-burst' });
  t.is(following, 'log-burst');
  const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 3, stream: 'stderr' });
  const deadline = Date.now() + 10_000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(seen, [0, 1, 2].map((i) => `log-burst:stderr:burst ${run} ${i}`));
  const { lines } = await client.call('logs.tail', { plugin: 'log-burst', lines: 2 });
  t.deepEqual(lines.map((l) => l.message), [`burst ${run} 1`, `burst ${run} 2`]);
});

test('following every log starts with the last lines of all of them, merged by time', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 2, stream: 'stdout' });
  await waitUntil(async () => (await client.call('logs.tail', { plugin: 'log-burst', lines: 2 })).lines.length === 2, 10_000, 'the burst in its log');
  await client.call('logs.reopen'); // a line in agentd.log after the burst
  const follower = await d.client();
  const { following, history } = await follower.call('logs.follow', { lines: 3 });
  t.is(following, 'all');
  t.deepEqual(history.map((e) => `${e.source}: ${e.message}`), [
    `log-burst: burst ${run} 0`, `log-burst: burst ${run} 1`, 'agentd: log files reopened on logs.reopen',
  ]);
  const times = history.map((e) => String(e.time));
  t.deepEqual([...times].sort(), times, 'oldest first');
});

test('a plugin flooding its output stalls neither the core nor the other plugins, and loses nothing', async (t) => {
  const d = await startTestDaemon(t, { config: { logs: { keep: 100 }, plugins: { 'log-burst': { module: fixture('log-burst') }, forever: { module: fixture('forever') } } } });
  const client = await d.client();
  const other = await d.client();
  const flood = client.call<{ run: number }>('log-burst.burst', { count: 200_000, stream: 'stdout', chunk: 5000 });
  // While it floods, the core and the other plugin keep answering.
  let answered = 0;
  let floodDone = false;
  void flood.then(() => { floodDone = true; });
  while (!floodDone && answered < 5000) {
    await other.call('forever.ping');
    await other.call('daemon.status');
    answered++;
  }
  const { run } = await flood;
  t.true(answered > 0, `${answered} round trips to the other plugin and the core during the flood`);
  await client.call('plugins.stop', { name: 'log-burst' });
  // 20 MB of lines: rotated by size (logs.maxSize) along the way, so read every generation.
  const seen = generationFiles(`${d.paths.logsDir}/log-burst.log`).flatMap((f) => fileLines(f)).filter((l) => l.includes(`"burst ${run} `)).length;
  t.is(seen, 200_000, 'back-pressure, not dropping: every line is in the log');
});

test('a plugin restarted on a spare host has its output read while it runs, on every stream', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'log-burst': { module: fixture('log-burst') } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  // Kill until a restart lands on a host that was a spare before it (the pool refills after
  // each take, so the first restart usually does).
  let onSpare = false;
  for (let attempt = 0; attempt < 5 && !onSpare; attempt++) {
    await waitUntil(() => descendants(d.pid).some((p) => cmdline(p).includes('--spare')), 30_000, 'a spare host');
    const spares = descendants(d.pid).filter((p) => cmdline(p).includes('--spare'));
    const before = (await client.call('plugins.list')).find((r) => r.plugin === 'log-burst')!.pid!;
    const mark = events.mark;
    process.kill(before, 'SIGKILL');
    const running = await events.state('log-burst', 'running', 30_000, mark);
    onSpare = spares.includes(running.pid!);
  }
  t.true(onSpare, 'a restart was served by a spare host');
  // The lines must reach the log while the plugin runs, not only when it exits.
  for (const stream of ['stdout', 'stderr', 'log'] as const) {
    const { run } = await client.call<{ run: number }>('log-burst.burst', { count: 3, stream });
    const want = [0, 1, 2].map((i) => `burst ${run} ${i}`);
    let got: string[] = [];
    await waitUntil(async () => {
      const { lines } = await client.call('logs.tail', { plugin: 'log-burst', lines: 3 });
      got = lines.map((l) => String(l.message));
      return want.every((w) => got.includes(w));
    }, 10_000, `${stream} lines in the log`).catch(() => {});
    t.deepEqual(got, want, `${stream}: read while the plugin runs`);
  }
});

test('odd plugin output reaches its log as documented: long lines cut and marked, bad UTF-8 replaced, NUL kept, CRLF ended, a last line without newline kept at exit', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'raw-output': { module: fixture('raw-output'), restart: 'never' } } } });
  const client = await d.client();
  const write = (bytes: Buffer, exit?: number) => client.call('raw-output.write', { base64: bytes.toString('base64'), ...(exit === undefined ? {} : { exit }) });
  const long = 'x'.repeat(150 * 1024);
  await write(Buffer.from(`${long}\nafter the long line\n`));
  await write(Buffer.concat([Buffer.from('bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' utf8\nnul \u0000 inside\none\r\ntwo\r\n')]));
  await t.throwsAsync(write(Buffer.from('last words, no newline'), 3));
  const live = `${d.paths.logsDir}/raw-output.log`;
  await waitUntil(() => fileLines(live).some((l) => l.includes('last words')), 10_000, 'the last line in the log');
  // Every line of the file is a whole JSON object: nothing bled into the next line.
  const records = fileLines(live).map((l) => JSON.parse(l) as { message: string; cut?: true; stream: string });
  const pieces = records.filter((r) => r.cut);
  t.is(pieces.map((r) => r.message).join(''), long, 'the long line, whole, across its pieces');
  t.true(pieces.every((r) => Buffer.byteLength(r.message) <= 64 * 1024), 'each piece at most 64 KiB');
  t.deepEqual(records.filter((r) => !r.cut && r.stream === 'stdout').map((r) => r.message), [
    'after the long line', 'bad \uFFFD\uFFFD\uFFFD utf8', 'nul \u0000 inside', 'one', 'two', 'last words, no newline',
  ]);
  // The host's own line on stderr: where the plugin called process.exit().
  t.deepEqual(records.filter((r) => r.stream !== 'stdout').map((r) => r.message.replace(/ \(at .*\)$/, '')), ['process.exit(3) called by the plugin']);
});

for (const compress of [false, true]) {
  test(`ctl logs -f goes on across rotations by size and by command (compress: ${compress}): every line once`, async (t) => {
    const d = await startTestDaemon(t, { config: { logs: { maxSize: '64KB', keep: 2, compress }, plugins: { 'log-burst': { module: fixture('log-burst') } } } });
    const client = await d.client();
    const follower = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'logs', 'log-burst', '-f', '-n', '0', '--json', '--home', d.home], { stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => { if (follower.exitCode === null) process.kill(follower.pid!, 'SIGKILL'); });
    let out = '';
    follower.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    // Following once a line written after it started shows up.
    await waitUntil(async () => { await client.call('log-burst.burst', { count: 1, stream: 'stderr' }); return out.includes('"stream":"stderr"'); }, 20_000, 'ctl logs -f to follow');
    const events = await EventRecorder.attach(client, ['logs.rotated']);
    let rotating = true;
    const rotator = await d.client();
    const byCommand = (async () => { let n = 0; while (rotating && n < 100) { await rotator.call('logs.rotate'); n++; } })();
    const counts = { stdout: 10_000, log: 3_000 };
    const runs = await Promise.all(Object.entries(counts).map(([stream, count]) => client.call<{ run: number }>('log-burst.burst', { count, stream, chunk: 500 })));
    rotating = false;
    await byCommand;
    const last = Object.values(counts).map((count, i) => `burst ${runs[i]!.run} ${count - 1}"`);
    await waitUntil(() => last.every((l) => out.includes(l)), 20_000, 'the last lines to reach ctl logs -f');
    const sizeRotations = events.events.filter((e) => e['path'] === `${d.paths.logsDir}/log-burst.log`).length;
    t.true(sizeRotations > 5, `${sizeRotations} rotations of log-burst.log while it was followed`);
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { stream: string; message: string });
    for (const [i, [stream, count]] of Object.entries(counts).entries()) {
      const seen = lines.filter((l) => l.stream === stream && l.message.startsWith(`burst ${runs[i]!.run} `)).map((l) => Number(l.message.split(' ')[2]));
      t.is(seen.length, count, `${stream}: as many lines as written`);
      t.deepEqual(seen, [...seen].sort((a, b) => a - b), `${stream}: in order`);
      t.is(new Set(seen).size, count, `${stream}: each once`);
    }
    t.is(follower.exitCode, null, 'still following');
  });
}
