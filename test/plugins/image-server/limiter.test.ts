import test from 'ava';
import { Limiter } from '../../../plugins/image-server/limiter.js';

test('runs at most `concurrency` at once, queues `maxQueue`, refuses the rest', async (t) => {
  const limiter = new Limiter(2, 2);
  let running = 0;
  let peak = 0;
  const gates: Array<() => void> = [];
  const task = () => new Promise<number>((resolve) => {
    running++;
    peak = Math.max(peak, running);
    gates.push(() => { running--; resolve(running); });
  });
  const results = [limiter.run(task), limiter.run(task), limiter.run(task), limiter.run(task), limiter.run(task)];
  t.is(results[4], 'busy');
  t.is(running, 2);
  while (gates.length > 0 || running > 0) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(results.slice(0, 4));
  t.is(peak, 2);
  t.not(limiter.run(task), 'busy', 'slots are free again');
  gates.shift()?.();
});
