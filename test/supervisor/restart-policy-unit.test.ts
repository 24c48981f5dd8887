import test from 'ava';
import { validateConfig } from '../../src/config/index.js';
import { CrashWindow } from '../../src/supervisor/crash-window.js';
import { decideRestart } from '../../src/supervisor/restart-policy.js';

const entryWith = (over: Record<string, unknown>) => validateConfig({ plugins: { p: { module: '/p', backoff: { jitter: 0 }, ...over } } }, null, '/').plugins[0]!.entry;
const crash = { code: 1, signal: null, at: '' };
const clean = { code: 0, signal: null, at: '' };
const killed = { code: null, signal: 'SIGKILL', at: '' };

test('on-failure restarts crashes and signals, not clean exits', (t) => {
  const e = entryWith({});
  t.like(decideRestart(e, new CrashWindow(5, 60_000), { exit: crash, runMs: 20_000, attempt: 0, now: 0 }), { action: 'restart', delay: 0 });
  t.like(decideRestart(e, new CrashWindow(5, 60_000), { exit: killed, runMs: 20_000, attempt: 0, now: 0 }), { action: 'restart' });
  t.deepEqual(decideRestart(e, new CrashWindow(5, 60_000), { exit: clean, runMs: 20_000, attempt: 0, now: 0 }), { action: 'stay-down', state: 'stopped' });
});

test('always restarts clean exits too; never leaves crashes failed', (t) => {
  t.like(decideRestart(entryWith({ restart: 'always' }), new CrashWindow(5, 60_000), { exit: clean, runMs: 0, attempt: 0, now: 0 }), { action: 'restart', delay: 250 });
  t.deepEqual(decideRestart(entryWith({ restart: 'never' }), new CrashWindow(5, 60_000), { exit: crash, runMs: 0, attempt: 0, now: 0 }), { action: 'stay-down', state: 'failed' });
});

test('a failed start counts as a crash and backs off; the crash window gives up', (t) => {
  const e = entryWith({ crashLoop: { restarts: 2, window: '10s' } });
  const w = new CrashWindow(2, 10_000);
  t.deepEqual(decideRestart(e, w, { runMs: null, attempt: 0, now: 0 }), { action: 'restart', attempt: 1, delay: 250 });
  t.deepEqual(decideRestart(e, w, { runMs: null, attempt: 1, now: 100 }), { action: 'restart', attempt: 2, delay: 500 });
  t.deepEqual(decideRestart(e, w, { runMs: null, attempt: 2, now: 200 }), { action: 'give-up' });
});

test('a run agentd ended (memory limit, health check) is a failure, whatever its exit code', (t) => {
  t.like(decideRestart(entryWith({}), new CrashWindow(5, 60_000), { exit: clean, ended: true, runMs: 0, attempt: 0, now: 0 }), { action: 'restart', attempt: 1 });
  t.deepEqual(decideRestart(entryWith({ restart: 'never' }), new CrashWindow(5, 60_000), { exit: clean, ended: true, runMs: 0, attempt: 0, now: 0 }), { action: 'stay-down', state: 'failed' });
  t.deepEqual(decideRestart(entryWith({}), new CrashWindow(0, 60_000), { exit: clean, ended: true, runMs: 0, attempt: 0, now: 0 }), { action: 'give-up' });
});
