import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { fixture, startTestDaemon } from '../helpers/daemon.js';

test('a stop function that throws leaves its message and the line that threw in the plugin log, and an exit code of 1', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'throw-on-stop': { module: fixture('throw-on-stop') } } } });
  const client = await d.client();
  // The core drains the plugin's output before a stop returns.
  await client.call('plugins.stop', { name: 'throw-on-stop' });
  const messages = fs.readFileSync(path.join(d.paths.logsDir, 'throw-on-stop.log'), 'utf8')
    .split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
  const at = messages.indexOf('stop failed: Error: throw-on-stop: deliberate failure');
  t.true(at >= 0, messages.join('\n'));
  t.regex(messages[at + 1] ?? '', /^ {4}at .*throw-on-stop\.ts:11:/, 'the line that threw');
  const [row] = await client.call('plugins.list');
  t.is(row!.lastExit?.code, 1);
});
