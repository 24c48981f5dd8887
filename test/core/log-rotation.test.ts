import fs from 'node:fs';
import zlib from 'node:zlib';
import test from 'ava';
import { startTestDaemon } from '../helpers/daemon.js';
import { EventRecorder } from '../helpers/events.js';

/** Every line of a log and its rotated (maybe gzipped) generations. */
function readAllGenerations(log: string): string[] {
  const dir = log.slice(0, log.lastIndexOf('/'));
  const base = log.slice(log.lastIndexOf('/') + 1);
  const lines: string[] = [];
  for (const f of fs.readdirSync(dir)) {
    if (f !== base && !f.startsWith(`${base}.`)) continue;
    const raw = fs.readFileSync(`${dir}/${f}`);
    const text = f.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8');
    lines.push(...text.split('\n').filter(Boolean));
  }
  return lines;
}

for (const compress of [false, true]) {
  test(`rotation while the core logs hard counts every line exactly once (compress: ${compress})`, async (t) => {
    const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug', keep: 1000, compress, maxSize: null } } });
    const clients = await Promise.all(Array.from({ length: 20 }, () => d.client()));
    const rotator = await d.client();
    let rotations = 0;
    let burstDone = false;
    const rotating = (async () => {
      while (!burstDone && rotations < 200) {
        await rotator.call('logs.rotate');
        rotations++;
      }
    })();
    const perClient = 300;
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < perClient; i += 50) await Promise.all(Array.from({ length: 50 }, () => c.call('daemon.status')));
    }));
    burstDone = true;
    await rotating;
    await d.stop();
    t.true(rotations >= 2, `rotated ${rotations} times during the burst`);
    const calls = readAllGenerations(d.paths.log)
      .map((l) => JSON.parse(l) as { message: string; method?: string; id?: number; connection?: number })
      .filter((e) => e.message === 'rpc call' && e.method === 'daemon.status');
    const keys = calls.map((e) => `${e.connection}:${e.id}`);
    t.is(new Set(keys).size, keys.length, 'no line doubled');
    t.is(keys.length, clients.length * perClient, 'no line lost');
  });
}

test('logs.reopen follows an external logrotate that moved the file', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug' } } });
  const client = await d.client();
  fs.renameSync(d.paths.log, `${d.paths.log}.moved`);
  await client.call('daemon.status');
  await client.call('logs.reopen');
  await client.call('daemon.status');
  await d.stop();
  const fresh = fs.readFileSync(d.paths.log, 'utf8');
  t.regex(fresh, /"message":"agentd stopped"/);
  t.regex(fresh, /"message":"log files reopened on logs.reopen"/);
  t.regex(fs.readFileSync(`${d.paths.log}.moved`, 'utf8'), /"method":"logs.reopen"/);
});

test('SIGUSR2 reopens as logs.reopen does: the line in the fresh file and a logs.reopened event', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug' } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['logs.reopened']);
  fs.renameSync(d.paths.log, `${d.paths.log}.moved`);
  process.kill(d.pid, 'SIGUSR2');
  const e = await events.next((x) => x.type === 'logs.reopened');
  t.true((e.files as string[]).includes(d.paths.log));
  await d.stop();
  t.regex(fs.readFileSync(d.paths.log, 'utf8'), /"message":"log files reopened on SIGUSR2"/);
});

test('size-triggered rotation keeps logs.keep files', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug', keep: 2, maxSize: '4KiB' } } });
  const client = await d.client();
  for (let i = 0; i < 200; i++) await client.call('daemon.status');
  const files = fs.readdirSync(d.home).filter((f) => f.startsWith('agentd.log'));
  t.deepEqual(files.sort(), ['agentd.log', 'agentd.log.1', 'agentd.log.2']);
  t.true(fs.statSync(`${d.paths.log}.1`).size <= 4096 + 512);
});

test('a gzip that fails leaves the rotated file plain and says so: a logs.error event and a line in agentd.log', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {}, logs: { compress: true, maxSize: null } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['logs.']);
  // The archive is written to `<log>.gz-<inode>.tmp` first; a directory in the way makes it fail.
  const blocker = `${d.paths.log}.gz-${fs.statSync(d.paths.log).ino}.tmp`;
  fs.mkdirSync(blocker);
  await client.call('logs.rotate');
  const error = await events.next((e) => e.type === 'logs.error', 10_000);
  t.like(error, { source: 'agentd', path: d.paths.log, during: 'compress' });
  t.truthy(error['code']);
  t.true(fs.existsSync(`${d.paths.log}.1`), 'the generation stays, plain');
  t.false(fs.existsSync(`${d.paths.log}.1.gz`));
  await d.stop();
  const lines = fs.readFileSync(d.paths.log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; path?: string });
  t.is(lines.filter((l) => l.message === 'rotated log file not compressed; it stays plain' && l.path === d.paths.log).length, 1);
});
