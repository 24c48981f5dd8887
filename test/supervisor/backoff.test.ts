import test from 'ava';
import { backoffDelay, nextAttempt } from '../../src/supervisor/backoff.js';
import { CrashWindow } from '../../src/supervisor/crash-window.js';

const settings = { initial: 250, factor: 2, max: 30_000, jitter: 0, resetAfter: 10_000 };

test('the first restart after a stable run is immediate; quick crashes back off exponentially to max', (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 5, 10, 20].map((a) => backoffDelay(a, settings)), [0, 250, 500, 1000, 2000, 4000, 30_000, 30_000]);
});

test('jitter spreads a delay within its fraction and never past max', (t) => {
  const s = { ...settings, jitter: 0.2 };
  t.is(backoffDelay(1, s, () => 0), 200);
  t.is(backoffDelay(1, s, () => 1), 300);
  t.is(backoffDelay(30, s, () => 1), 30_000);
});

test('a stable run resets the attempt count; a short one increments it', (t) => {
  t.is(nextAttempt(4, 10_000, settings), 0);
  t.is(nextAttempt(4, 9_999, settings), 5);
  t.is(nextAttempt(0, null, settings), 1, 'a failed start is never stable');
});

test('a crash that starts at once reaches the give-up within 30 s under the defaults', (t) => {
  const window = new CrashWindow(5, 60_000);
  let now = 0;
  let attempt = 0;
  while (window.tryRecord(now)) {
    attempt = nextAttempt(attempt, 50, settings);
    now += 50 + backoffDelay(attempt, settings);
  }
  t.true(now < 30_000, `gave up after ${now} ms`);
  t.is(window.count(now), 5);
});

test('the crash window slides', (t) => {
  const w = new CrashWindow(2, 1000);
  t.true(w.tryRecord(0));
  t.true(w.tryRecord(500));
  t.false(w.tryRecord(900));
  t.true(w.tryRecord(1600), 'the first restarts fell out of the window');
  w.reset();
  t.is(w.count(1600), 0);
});
