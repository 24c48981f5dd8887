import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { renderPlugins } from '../../src/cli/render/plugins.js';

test('a stop function that never returns: the SIGKILL at stopTimeout is the last exit\'s cause, shown in status', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'ignore-sigterm': { module: fixture('ignore-sigterm'), stopTimeout: '300ms' } } } });
  const client = await d.client();
  await client.call('plugins.stop', { name: 'ignore-sigterm' });
  const rows = await client.call('plugins.list');
  t.like(rows[0]!.lastExit, { code: null, signal: 'SIGKILL', cause: 'stop-timeout' });
  t.regex(renderPlugins(rows, 200), /stopped .* stop timeout, \S+ ago/);
});
