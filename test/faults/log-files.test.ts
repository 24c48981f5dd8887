import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import type { AgentdClient } from '../../src/client/index.js';
import { ctl } from '../helpers/cli.js';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { assertDaemonHealthy, fileLines, sequenceProblems, tickerLines } from '../helpers/faults.js';
import { waitUntil } from '../helpers/proc.js';

/**
 * A log file deleted, moved or made unwritable under the running core. The core looks at its
 * paths every 5 s (and on SIGUSR2 / logs.reopen). "Accepted" lines are, for a plugin log, the
 * lines the core read from the plugin's pipe — all of them, as the plugin is stopped gracefully
 * before the files are read, so the pipe is drained; for agentd.log, the `rpc call` lines of
 * calls the core answered (it logs each call before it answers it).
 */

const ticker = { 'log-ticker': { module: fixture('log-ticker'), config: { intervalMs: 5, perTick: 2 } } };

async function written(client: AgentdClient): Promise<number> {
  return (await client.call<{ written: number }>('log-ticker.count')).written;
}

/** Stop the ticker (its pipe drains into the file) and return its final count. */
async function stopTicker(client: AgentdClient, lines: () => string[]): Promise<number> {
  await client.call('plugins.stop', { name: 'log-ticker' });
  const stopped = [...tickerLines(lines()).stoppedAfter.values()];
  if (stopped.length !== 1) throw new Error(`expected one "ticker stopped" line, found ${stopped.length}`);
  return stopped[0]!;
}

/** Wait for the core to open a fresh file at `live` (its 5 s path check), with lines in it. */
async function reopened(live: string): Promise<void> {
  await waitUntil(() => fs.existsSync(live) && fs.statSync(live).size > 0, 20_000, `${live} to be recreated by the core`);
}

for (const how of ['moved', 'deleted'] as const) {
  test(`a plugin's log file ${how} under the running core: reopened, and no accepted line lost or doubled`, async (t) => {
    const d = await startTestDaemon(t, { config: { plugins: ticker } });
    const client = await d.client();
    const events = await EventRecorder.attach(client);
    const live = `${d.paths.logsDir}/log-ticker.log`;
    await waitUntil(async () => (await written(client)) > 200, 20_000, 'lines');
    const aside = `${live}.aside`;
    if (how === 'moved') fs.renameSync(live, aside);
    else fs.unlinkSync(live);
    // Every line the plugin writes from here on was written after the fault.
    const after = await written(client);
    await reopened(live);
    await waitUntil(async () => (await written(client)) > after + 200, 20_000, 'more lines');
    const count = await stopTicker(client, () => fileLines(live));
    const seqs = tickerLines(fileLines(live)).byPid.values().next().value ?? [];
    t.log(`${count} lines written, ${after} of them before the file was ${how}`);
    if (how === 'moved') {
      const before = tickerLines(fileLines(aside)).byPid.values().next().value ?? [];
      t.deepEqual(sequenceProblems([...before, ...seqs]), [], 'the moved file then the new one: every line once, in order');
      t.is(before.length + seqs.length, count, 'every line written is in one of them');
      t.true(before.length >= after, 'lines written before the move are in the moved file');
    } else {
      // The deleted file's lines are gone, as asked; those written after the delete are not.
      const first = seqs[0] ?? Infinity;
      t.true(first <= after, `the new file starts at ${first}, no later than the first line after the delete (${after})`);
      t.deepEqual(sequenceProblems(seqs, first), [], 'an unbroken run to the end, nothing twice');
      t.is(seqs.at(-1), count - 1, 'up to the last line written');
    }
    t.falsy(events.events.find((e) => e.type === 'logs.error'));
    await assertDaemonHealthy(t, d);
  });

  test(`agentd.log ${how} under the running core: reopened, and every call the core answered is logged exactly once`, async (t) => {
    // No size rotation: at full speed the calls pass logs.maxSize (10 MB) within the core's 5 s path
    // check, and a rotation would move the first calls after the fault out of the file read below.
    const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug', maxSize: null } } });
    const client = await d.client();
    const connection = (await client.call('daemon.status')).rpc.connections;
    t.true(connection >= 1);
    let answered = 0;
    let stop = false;
    // Ids are 1, 2, 3 … on this connection; a call resolved means its "rpc call" line was written.
    const calling = (async () => { while (!stop) { await client.call('plugins.list'); answered++; } })();
    await waitUntil(() => answered > 100, 20_000, 'calls');
    const aside = `${d.paths.log}.aside`;
    if (how === 'moved') fs.renameSync(d.paths.log, aside);
    else fs.unlinkSync(d.paths.log);
    const after = answered + 2; // ids up to answered + 1 were sent before the fault (at most one in flight)
    await reopened(d.paths.log);
    await waitUntil(() => answered > after + 100, 20_000, 'more calls');
    stop = true;
    await calling;
    await d.stop();
    const ids = (file: string) => fileLines(file)
      .map((l) => JSON.parse(l) as { message: string; method?: string; id?: number })
      .filter((e) => e.message === 'rpc call' && e.method === 'plugins.list')
      .map((e) => e.id!);
    const fresh = ids(d.paths.log);
    const total = answered + 1; // status first, then `answered` calls of plugins.list: ids 2 … answered + 1
    if (how === 'moved') {
      const old = ids(aside);
      t.deepEqual(sequenceProblems([...old, ...fresh], 2), [], 'every call once, in order, across the two files');
      t.is(old.length + fresh.length, answered);
    } else {
      const first = fresh[0] ?? Infinity;
      t.true(first <= after, `the new file starts at call ${first}, no later than the first call after the delete (${after})`);
      t.deepEqual(sequenceProblems(fresh, first), [], 'an unbroken run, nothing twice');
      t.is(fresh.at(-1), total, 'up to the last call answered');
    }
  });
}

/** Swap `live` for a symlink to /dev/full (writes fail with ENOSPC) until the returned undo is called. */
function diskFull(live: string): { before: string; undo(): void } {
  const before = `${live}.before-full`;
  fs.renameSync(live, before);
  fs.symlinkSync('/dev/full', live);
  return { before, undo: () => fs.unlinkSync(live) };
}

async function problem(client: AgentdClient, path: string) {
  return (await client.call('daemon.status')).logs.problems.find((p) => p.path === path) as
    | { path: string; dropped: number; failing?: boolean; lastError: { code: string } | null }
    | undefined;
}

async function checkServing(t: ExecutionContext, d: TestDaemon): Promise<void> {
  const out = await ctl(['status', '--home', d.home]);
  t.is(out.code, 0, out.stderr);
  t.regex(out.stdout, /ENOSPC/, 'ctl status shows the log problem');
}

test('a plugin log on a full disk (ENOSPC): the core keeps serving, counts the dropped lines, and recovers when it can write again', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: ticker } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['logs.']);
  const live = `${d.paths.logsDir}/log-ticker.log`;
  await waitUntil(async () => (await written(client)) > 100, 20_000, 'lines');
  const full = diskFull(live);
  const error = await events.next((e) => e.type === 'logs.error' && e['path'] === live, 20_000);
  t.is(error['code'], 'ENOSPC');
  await waitUntil(async () => ((await problem(client, live))?.dropped ?? 0) > 200, 20_000, 'dropped lines to be counted');
  const during = await problem(client, live);
  t.is(during?.lastError?.code, 'ENOSPC');
  t.true(during?.failing);
  await checkServing(t, d);
  full.undo();
  const recovered = await events.next((e) => e.type === 'logs.recovered' && e['path'] === live, 20_000);
  t.true((recovered['dropped'] as number) > 200);
  await waitUntil(async () => fs.existsSync(live) && tickerLines(fileLines(live)).byPid.size > 0, 20_000, 'lines in the new file');
  const count = await stopTicker(client, () => fileLines(live));
  const after = await problem(client, live);
  t.false(after?.failing, 'not failing any more');
  const before = tickerLines(fileLines(full.before)).byPid.values().next().value ?? [];
  const fresh = tickerLines(fileLines(live)).byPid.values().next().value ?? [];
  const inFiles = new Set([...before, ...fresh]);
  t.is(inFiles.size, before.length + fresh.length, 'no line twice');
  t.is(inFiles.size + after!.dropped, count, `written ${count} = in the files ${inFiles.size} + counted as dropped ${after!.dropped}`);
  t.is(after!.dropped, recovered['dropped'] as number);
  t.log(`written ${count} = in the files ${inFiles.size} + dropped while the disk was full ${after!.dropped}`);
  await assertDaemonHealthy(t, d);
});

test('agentd.log on a full disk (ENOSPC): the core keeps answering, reports it in status, and recovers', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {}, logs: { level: 'debug' } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['logs.']);
  const full = diskFull(d.paths.log);
  // The next path check points the core's log at /dev/full; every call logs a debug line.
  await waitUntil(async () => ((await problem(client, d.paths.log))?.dropped ?? 0) > 50, 20_000, 'dropped lines');
  const error = await events.next((e) => e.type === 'logs.error', 20_000);
  t.is(error['code'], 'ENOSPC');
  for (let i = 0; i < 100; i++) await client.call('daemon.status');
  await checkServing(t, d);
  full.undo();
  // Recovery is a write that succeeds: keep the core logging until the next path check reopens.
  let recovering = true;
  const calls = (async () => { while (recovering) await client.call('daemon.status'); })();
  const recovered = await events.next((e) => e.type === 'logs.recovered', 20_000).finally(() => { recovering = false; });
  await calls;
  t.true((recovered['dropped'] as number) > 50);
  await d.stop();
  const lines = fileLines(d.paths.log).map((l) => JSON.parse(l) as { message: string; dropped?: number });
  t.truthy(lines.find((l) => l.message === 'log file writable again' && l.dropped === recovered['dropped']), 'the core logs how many lines it dropped');
});

test('a follower of a log on a full disk is told that lines are being dropped, and how many when it recovers', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: ticker } });
  const client = await d.client();
  const follower = await d.client();
  const notices: Array<Record<string, unknown>> = [];
  let lines = 0;
  follower.on('log', (e) => { if (e['notice']) notices.push(e); else lines++; });
  await follower.call('logs.follow', { plugin: 'log-ticker' });
  const events = await EventRecorder.attach(client, ['logs.']);
  const live = `${d.paths.logsDir}/log-ticker.log`;
  await waitUntil(() => lines > 10, 10_000, 'followed lines');
  const full = diskFull(live);
  await client.call('logs.reopen'); // now, rather than at the next path check
  await waitUntil(() => notices.length > 0, 10_000, 'the notice of the failure');
  t.like(notices[0], { source: 'log-ticker', level: 'error', code: 'ENOSPC' });
  full.undo();
  await client.call('logs.reopen');
  const recovered = await events.next((e) => e.type === 'logs.recovered' && e['path'] === live, 10_000);
  await waitUntil(() => notices.length > 1, 10_000, 'the notice of the recovery');
  t.like(notices[1], { source: 'log-ticker', level: 'warn', dropped: recovered['dropped'] });
  t.true((notices[1]!['dropped'] as number) > 0);
  t.is(notices.length, 2, 'said once each way, not per line');
});

test('the logs directory removed under the running core: made again, and the lines written meanwhile are in the new file', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: ticker } });
  const client = await d.client();
  const live = `${d.paths.logsDir}/log-ticker.log`;
  await waitUntil(async () => (await written(client)) > 50, 20_000, 'lines');
  fs.rmSync(d.paths.logsDir, { recursive: true });
  await client.call('logs.reopen'); // now, rather than at the next path check
  await reopened(live);
  t.is(fs.statSync(d.paths.logsDir).mode & 0o777, 0o700);
  const count = await stopTicker(client, () => fileLines(live));
  const lines = tickerLines(fileLines(live)).byPid.values().next().value ?? [];
  t.true(lines.length > 0);
  t.is(lines.at(-1), count - 1, 'up to the last line written (ticks count from 0)');
  t.deepEqual(sequenceProblems(lines, lines[0]!), [], 'an unbroken run from the removal on, nothing twice');
  t.deepEqual((await client.call('daemon.status')).logs.problems, []);
});

test('a log that cannot be reopened after its file was deleted: dropped lines counted and said once, then written again', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: ticker } });
  const client = await d.client();
  const events = await EventRecorder.attach(client, ['logs.']);
  const live = `${d.paths.logsDir}/log-ticker.log`;
  await waitUntil(async () => (await written(client)) > 50, 20_000, 'lines');
  // A file where the directory was: the path cannot be opened (ENOTDIR).
  fs.rmSync(d.paths.logsDir, { recursive: true });
  fs.writeFileSync(d.paths.logsDir, '');
  await client.call('logs.reopen');
  const error = await events.next((e) => e.type === 'logs.error' && e['path'] === live, 10_000);
  t.is(error['code'], 'ENOTDIR');
  await waitUntil(async () => ((await problem(client, live))?.dropped ?? 0) > 50, 20_000, 'dropped lines to be counted');
  fs.rmSync(d.paths.logsDir);
  const recovered = await events.next((e) => e.type === 'logs.recovered' && e['path'] === live, 10_000);
  t.true((recovered['dropped'] as number) > 50);
  t.is(events.events.filter((e) => e.type === 'logs.error').length, 1, 'said once, not per line');
  await reopened(live);
});
