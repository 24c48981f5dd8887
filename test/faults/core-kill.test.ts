import fs from 'node:fs';
import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import type { AgentdClient } from '../../src/client/index.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, launchMarked, markedProcesses, startTestDaemon } from '../helpers/daemon.js';
import { assertAllGone, doubledGenerations, fileLines, generationFiles, sequenceProblems, strayFiles, tickerLines } from '../helpers/faults.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { waitUntil } from '../helpers/proc.js';

/**
 * "Accepted" log lines, for these tests: lines the core read from a plugin's pipe before the
 * fault. The core writes each chunk it reads synchronously before it reads the next, so they are
 * exactly the lines in its files; what the test can check from outside is that (1) every line a
 * follower was streamed before the kill (streamed = already written) is in the files, and (2) the
 * files hold an unbroken run 0, 1, 2 … of each writer's numbers: nothing missing in the middle,
 * nothing twice, no torn line — only a tail the core had not read yet may be absent.
 */

interface Follower { seen: Map<number, number>; client: AgentdClient }

/** Follow log-ticker's log, remembering the highest number streamed per writer pid. */
async function follow(client: AgentdClient): Promise<Follower> {
  const seen = new Map<number, number>();
  client.on('log', (e) => {
    const m = /^tick (\d+)$/.exec(String(e.message ?? ''));
    const pid = e['pid'] as number | undefined;
    if (m && pid !== undefined) seen.set(pid, Math.max(seen.get(pid) ?? -1, Number(m[1])));
  });
  await client.call('logs.follow', { plugin: 'log-ticker' });
  return { seen, client };
}

/** Check every generation of the ticker's log (and agentd.log) after the fact. */
function checkLogs(t: ExecutionContext, home: string, streamed: Map<number, number>): number {
  const paths = homePaths(home);
  const live = `${paths.logsDir}/log-ticker.log`;
  t.deepEqual(strayFiles(live), [], 'no leftover of an interrupted compression');
  t.deepEqual(doubledGenerations(live), [], 'no generation present both plain and gzipped');
  const lines = generationFiles(live).flatMap((f) => fileLines(f));
  const ticks = tickerLines(lines);
  t.deepEqual(ticks.torn, [], 'no torn line in the plugin log');
  let total = 0;
  for (const [pid, seqs] of ticks.byPid) {
    t.deepEqual(sequenceProblems(seqs), [], `writer ${pid}: an unbroken run from 0`);
    total += seqs.length;
  }
  for (const [pid, max] of streamed) {
    const have = ticks.byPid.get(pid) ?? [];
    t.true(have.length > max, `writer ${pid}: every line streamed before the kill (up to ${max}) is in the files (have ${have.length})`);
  }
  for (const f of generationFiles(paths.log)) {
    for (const line of fileLines(f)) {
      try { JSON.parse(line); } catch { t.fail(`torn line in ${f}: ${line.slice(0, 200)}`); }
    }
  }
  return total;
}

function connectError(socket: string): Promise<string | null> {
  return new Promise((resolve) => {
    const s = net.connect(socket, () => { s.destroy(); resolve(null); });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** After the kill: nothing left, lock free; the next start replaces the stale socket and works. */
async function restartAfterKill(t: ExecutionContext, home: string, deadPid: number): Promise<number> {
  const paths = homePaths(home);
  await assertAllGone(t, home, paths.pidfile);
  t.true(fs.existsSync(paths.socket), 'the killed core left its socket file');
  t.is(await connectError(paths.socket), 'ECONNREFUSED', 'nobody listens on the stale socket');
  const { pid } = await launchMarked(home);
  t.not(pid, deadPid);
  t.is(lockHolder(paths.pidfile), pid);
  t.is(await connectError(paths.socket), null, 'the socket was replaced by a live one');
  return pid;
}

const serving = {
  'http-echo': { module: fixture('http-echo') },
  'log-ticker': { module: fixture('log-ticker'), config: { intervalMs: 2, perTick: 5 } },
  'spawn-grandchild': { module: fixture('spawn-grandchild') },
};

test('kill -9 of the core while plugins serve and log: everything it started goes, lines it accepted stay, the next start works', async (t) => {
  const d = await startTestDaemon(t, { config: { logs: { keep: 100 }, plugins: serving } });
  const client = await d.client();
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const { pid: grandchild } = await client.call<{ pid: number }>('spawn-grandchild.grandchild');
  const follower = await follow(await d.client());
  const load = httpLoad(port, 4, 60_000);
  await untilServed(load, 200);
  await waitUntil(() => [...follower.seen.values()].some((n) => n > 2000), 30_000, 'the ticker to have streamed 2000 lines');
  const before = markedProcesses(d.home);
  t.true(before.includes(grandchild), 'the grandchild carries the mark');
  t.true(before.length >= 5, `core, 3 plugin hosts, a spare and the grandchild are marked (${before.length})`);
  const streamed = new Map(follower.seen);
  process.kill(d.pid, 'SIGKILL');
  const result = await load.stop();
  t.true(result.ok >= 200, `${result.ok} requests served before the kill`);
  const pid = await restartAfterKill(t, d.home, d.pid);
  const total = checkLogs(t, d.home, streamed);
  t.log(`lines in the files: ${total}; streamed before the kill: ${[...streamed.values()].map((n) => n + 1).join(', ')}`);
  const status = await (await d.client()).call('daemon.status');
  t.is(status.pid, pid);
  t.deepEqual(status.plugins.map((p) => p.state), ['running', 'running', 'running']);
});

test('kill -9 of the core while rotations and compressions run, three times over: the files stay whole', async (t) => {
  t.timeout(3 * 60_000);
  // Small files and compression: the core rotates several times a second, by size and by request,
  // and gzips in the background, so a kill lands in the middle of that work.
  const d = await startTestDaemon(t, {
    config: {
      logs: { keep: 1000, maxSize: '32KB', compress: true },
      plugins: { 'log-ticker': { module: fixture('log-ticker'), config: { intervalMs: 2, perTick: 5 } } },
    },
  });
  let corePid = d.pid;
  const streamed = new Map<number, number>();
  for (let round = 1; round <= 3; round++) {
    const client = await d.client();
    const follower = await follow(await d.client());
    const mark = (await client.call('logs.tail', { plugin: 'log-ticker', lines: 1 })).lines.length;
    t.true(mark >= 0);
    let rotations = 0;
    let stop = false;
    const rotating = (async () => {
      while (!stop) {
        try { await client.call('logs.rotate'); rotations++; } catch { break; }
      }
    })();
    await waitUntil(() => rotations >= 10 + round * 3 && [...follower.seen.values()].some((n) => n > 1000), 60_000, 'rotations and lines');
    // Send one more rotation and kill the core while it (or its compression) runs.
    void client.call('logs.rotate').catch(() => {});
    await new Promise((r) => setImmediate(r));
    for (const [p, n] of follower.seen) streamed.set(p, n);
    process.kill(corePid, 'SIGKILL');
    stop = true;
    await rotating;
    corePid = await restartAfterKill(t, d.home, corePid);
    // The files are read with no core writing them: this one rotates and gzips several times a
    // second, so a listing read under it goes stale (ENOENT on a generation shifted meanwhile, a
    // line read twice or not at all, its own gzip's temporary file taken for a leftover). Its
    // graceful stop removes nothing the killed core left: recovery happened at its start.
    await d.stop();
    checkLogs(t, d.home, streamed);
    const live = `${d.paths.logsDir}/log-ticker.log`;
    t.deepEqual(generationFiles(live).filter((f) => f !== live && !f.endsWith('.gz')), [], 'the generations the kill left plain were gzipped');
    t.log(`round ${round}: ${rotations} rotations before the kill`);
    if (round < 3) corePid = (await launchMarked(d.home)).pid;
  }
  // The cores restarted after each kill stopped gracefully: their plugins' every line is there.
  const ticks = tickerLines(generationFiles(`${d.paths.logsDir}/log-ticker.log`).flatMap((f) => fileLines(f)));
  t.is(ticks.stoppedAfter.size, 3, 'the plugin of each restarted core stopped gracefully');
  for (const [pid, count] of ticks.stoppedAfter) t.is(ticks.byPid.get(pid)?.length, count, `writer ${pid}: its every line is in the files`);
});
