// log-rotation: a plugin writes numbered lines at 50,000 lines/s for 5 s while the logs are rotated
// every 100 ms; then every line is looked for across all rotated files: lost, doubled, or cut.
// Beside it: PM2 with pm2-logrotate's rotation method (copy the file, then truncate it).
import fs from 'node:fs';
import path from 'node:path';
import { fixturePlugin, startAgentd } from './lib/agentd.js';
import { BENCH_DIR } from './lib/context.js';
import { pm2Available, startPm2 } from './lib/pm2.js';
import { table, verdict } from './lib/results.js';
import { count, now, sleep } from './lib/stats.js';

export const name = 'log-rotation';
export const title = 'lines lost or doubled across rotations under load';

const RATE = 50_000;
const SECONDS = 5;
const ROTATE_EVERY_MS = 100;
const ROUNDS = 2;
const DEADLINE_MS = 60_000;

/** Count each `seq N` across files; a line that is not a whole `seq N` is counted as cut. */
function tally(files, extract, total) {
  const seen = new Uint32Array(total);
  let cut = 0;
  let other = 0;
  let lines = 0;
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      lines++;
      const msg = extract(line);
      const m = msg === null ? null : /^seq (\d+)$/.exec(msg);
      if (!m) { if (msg !== undefined) cut++; else other++; continue; }
      const n = Number(m[1]);
      if (n < total) seen[n]++; else cut++;
    }
  }
  let lost = 0;
  let doubled = 0;
  for (const c of seen) { if (c === 0) lost++; else if (c > 1) doubled += c - 1; }
  return { lines, lost, doubled, cut, other, files: files.length };
}

async function agentdRound(ctx) {
  const dir = ctx.dir('x');
  const d = await startAgentd(ctx, {
    logs: { maxSize: null, keep: 1000, compress: false },
    plugins: { 'log-steady': { module: fixturePlugin(dir, 'log-steady', 'log-steady') } },
  });
  const c = await d.client({ timeoutMs: 30_000 });
  const t0 = now();
  const { total } = await c.call('log-steady.run', { rate: RATE, seconds: SECONDS });
  let rotations = 0;
  let progress = { done: false };
  let rotateMs = 0;
  while (!progress.done && now() - t0 < DEADLINE_MS) {
    const tick = now();
    await c.call('logs.rotate');
    rotateMs = Math.max(rotateMs, now() - tick);
    rotations++;
    progress = await c.call('log-steady.progress');
    await sleep(Math.max(0, ROTATE_EVERY_MS - (now() - tick)));
  }
  c.close();
  // The graceful stop drains the plugin's pipes into the log before the core exits.
  await d.stop();
  const logs = path.join(d.home, 'logs');
  const files = fs.readdirSync(logs).filter((f) => f.startsWith('log-steady.log')).map((f) => path.join(logs, f));
  const t = tally(files, (line) => {
    try { const o = JSON.parse(line); return o.stream === 'stdout' ? o.message : undefined; } catch { return null; }
  }, total);
  return { ...t, total, rotations, writeMs: progress.elapsedMs, maxRotateMs: rotateMs };
}

/** pm2-logrotate's proceed(): stream-copy the live file to a dated name, and truncate it once read. */
function copyTruncate(file, to) {
  return new Promise((resolve, reject) => {
    const read = fs.createReadStream(file);
    const write = fs.createWriteStream(to, { flags: 'w+' });
    read.pipe(write);
    read.on('error', reject);
    write.on('error', reject);
    read.on('end', () => fs.truncate(file, (e) => (e ? reject(e) : resolve())));
  });
}

async function pm2Round(ctx) {
  const total = RATE * SECONDS;
  const script = path.join(BENCH_DIR, 'fixtures', 'log-steady.cjs');
  const p = await startPm2(ctx, [{ name: 'steady', script, autorestart: false, env: { RATE: String(RATE), SECONDS: String(SECONDS) } }]);
  const out = path.join(p.home, 'logs', 'steady-out.log');
  const err = path.join(p.home, 'logs', 'steady-error.log');
  const t0 = now();
  let rotations = 0;
  const isDone = () => { try { return fs.readFileSync(err, 'utf8').match(/done (\d+) (\d+)/); } catch { return null; } };
  let done = null;
  while (!(done = isDone()) && now() - t0 < DEADLINE_MS) {
    const tick = now();
    if (fs.existsSync(out)) { await copyTruncate(out, path.join(p.home, 'logs', `steady-out__${String(rotations).padStart(4, '0')}.log`)); rotations++; }
    await sleep(Math.max(0, ROTATE_EVERY_MS - (now() - tick)));
  }
  await sleep(1000); // PM2 writes what it has read from the app's pipe
  await p.stop();
  const logs = path.join(p.home, 'logs');
  const files = fs.readdirSync(logs).filter((f) => f.startsWith('steady-out')).map((f) => path.join(logs, f));
  const t = tally(files, (line) => line, total);
  return { ...t, total, rotations, writeMs: done ? Number(done[2]) : NaN, maxRotateMs: NaN };
}

export async function run(ctx) {
  const rounds = { agentd: [], pm2: [] };
  for (let i = 0; i < ROUNDS; i++) {
    ctx.log(`${name}: round ${i + 1}/${ROUNDS}, agentd`);
    rounds.agentd.push(await agentdRound(ctx));
    if (pm2Available()) {
      ctx.log(`${name}: round ${i + 1}/${ROUNDS}, PM2 + copy-truncate`);
      rounds.pm2.push(await pm2Round(ctx));
    }
  }
  const row = (label, r) => [label, count(r.total), `${count(r.total / (r.writeMs / 1000))}/s`, r.rotations, r.files, count(r.lines), r.lost, r.doubled, r.cut];
  const rows = [
    ...rounds.agentd.map((r, i) => row(`agentd, \`logs.rotate\` every ${ROTATE_EVERY_MS} ms (round ${i + 1})`, r)),
    ...rounds.pm2.map((r, i) => row(`PM2 + pm2-logrotate's copy-then-truncate every ${ROTATE_EVERY_MS} ms (round ${i + 1})`, r)),
  ];
  const sum = (rs, k) => rs.reduce((a, r) => a + r[k], 0);
  const bad = sum(rounds.agentd, 'lost') + sum(rounds.agentd, 'doubled') + sum(rounds.agentd, 'cut');
  const md = `${ROUNDS} rounds. agentd: the fixture plugin bench/fixtures/log-steady.ts writes \`seq N\` lines to stdout at ${count(RATE)} lines/s for ${SECONDS} s `
    + `(batches every 10 ms); meanwhile the bench calls \`logs.rotate\` (what \`ctl logrotate\` calls) every ${ROTATE_EVERY_MS} ms over one connection, `
    + 'with `logs.keep: 1000`, `maxSize: null`, no compression. After the writer finished, the daemon is stopped gracefully and every `logs/log-steady.log*` '
    + 'file is read: each `seq N` must appear exactly once. PM2: bench/fixtures/log-steady.cjs under PM2 (fork mode), its stdout file rotated every '
    + `${ROTATE_EVERY_MS} ms with pm2-logrotate's method (its \`proceed()\`: stream-copy the live file to a new name, truncate the live file when the copy has read it), `
    + 'run in the bench process because the module itself only rotates on a cron schedule (at best once a second) or on size, checked every 30 s. '
    + '"Achieved rate" is lines / time the writer took (a writer blocked by a slow reader falls behind the schedule).\n\n'
    + table(['writer and rotation', 'lines written', 'achieved rate', 'rotations', 'files', 'lines found', 'lost', 'doubled', 'cut / garbled'], rows);
  const summary = [{
    measure: `lines lost / doubled, ${count(RATE)} lines/s, rotate every ${ROTATE_EVERY_MS} ms`,
    ours: `${sum(rounds.agentd, 'lost')} / ${sum(rounds.agentd, 'doubled')} of ${count(sum(rounds.agentd, 'total'))}`,
    reference: rounds.pm2.length ? `PM2 copy-truncate ${sum(rounds.pm2, 'lost')} lost, ${sum(rounds.pm2, 'doubled')} doubled, ${sum(rounds.pm2, 'cut')} cut of ${count(sum(rounds.pm2, 'total'))}` : 'PM2 not installed',
    ratio: '—',
    target: '0',
    verdict: verdict(bad, 0),
  }];
  return { summary, markdown: md };
}
