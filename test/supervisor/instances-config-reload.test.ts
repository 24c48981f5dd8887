import test from 'ava';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { isGone } from '../helpers/proc.js';

test('a reload that changes only instances scales: the instances that stay keep their processes', async (t) => {
  const config = (instances: number) => ({ plugins: { 'http-echo': { module: fixture('http-echo'), instances } } });
  const d = await startTestDaemon(t, { config: config(2) });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('http-echo.address');
  const load = httpLoad(port, 4, 20_000);
  await untilServed(load, 20);

  writeConfig(d.home, config(3));
  await client.call('daemon.reload');
  const up = await client.call('plugins.list');
  t.deepEqual(up.map((r) => [r.name, r.state]), [['http-echo#0', 'running'], ['http-echo#1', 'running'], ['http-echo#2', 'running']]);
  t.deepEqual(up.slice(0, 2).map((r) => r.pid), before, '#0 and #1 were not restarted');

  writeConfig(d.home, config(1));
  await client.call('daemon.reload');
  const down = await client.call('plugins.list');
  t.deepEqual(down.map((r) => [r.name, r.state, r.pid]), [['http-echo', 'running', before[0]]]);
  t.true([before[1]!, up[2]!.pid!].every(isGone), 'the surplus processes stopped');

  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
});
