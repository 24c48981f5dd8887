import { spawn } from 'node:child_process';
import { once } from 'node:events';
import test from 'ava';
import { ProcessMeter } from '../../src/supervisor/process-meter.js';

test('a new pid is not measured against the previous process: no negative CPU after a restart', async (t) => {
  // This process (the test worker) has used far more CPU than a child just started: measured
  // against it, the child's CPU came out negative.
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  t.teardown(() => { if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL'); });
  await once(child, 'spawn');
  const meter = new ProcessMeter();
  meter.sample(process.pid, null);
  meter.sample(child.pid!, null);
  t.is(meter.cpu, null, 'nothing to compare yet');
  meter.sample(child.pid!, null);
  t.true(meter.cpu !== null && meter.cpu >= 0, `cpu ${meter.cpu}`);
});
