import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../helpers/daemon.js';

const MODULE = pathToFileURL(path.join(ROOT, 'dist', 'src', 'supervisor', 'subreaper.js')).href;

// A subreaper that sweeps for adopted children without pause, while the main thread and a worker
// thread each run 20 children through child_process: every exit must still reach its own waiter.
const SCRIPT = `
import { becomeSubreaper, sweepAdopted } from ${JSON.stringify(MODULE)};
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
if (!becomeSubreaper('keep')) throw new Error('not a subreaper');
let sweeping = true;
const sweep = () => { sweepAdopted(); if (sweeping) setImmediate(sweep); };
sweep();
const RUN = (spawn, done) => { const codes = []; const one = () => spawn('/bin/sh', ['-c', 'exit 7']).on('exit', (c) => { codes.push(c); if (codes.length < 20) one(); else done(codes); }); one(); };
const worker = new Worker('const { spawn } = require("node:child_process"); const { parentPort } = require("node:worker_threads"); (' + RUN + ')(spawn, (codes) => parentPort.postMessage(codes));', { eval: true, execArgv: [] });
const [main, inWorker] = await Promise.all([new Promise((resolve) => RUN(spawn, resolve)), new Promise((resolve) => worker.once('message', resolve))]);
sweeping = false;
await worker.terminate();
console.log(JSON.stringify({ main, inWorker }));
`;

test('a subreaper sweeping all the time takes no exit status from child_process, in the main thread or a worker', (t) => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8', timeout: 60_000 });
  t.is(run.status, 0, run.stderr);
  const codes = JSON.parse(run.stdout) as { main: number[]; inWorker: number[] };
  t.deepEqual(codes.main, Array(20).fill(7));
  t.deepEqual(codes.inWorker, Array(20).fill(7));
});
