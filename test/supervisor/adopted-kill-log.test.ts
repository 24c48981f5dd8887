import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { procInfo, waitUntil } from '../helpers/proc.js';

const MESSAGE = 'killed what a killed plugin host left running';

test('what a killed plugin host left running is killed and logged once, with the plugin\'s name', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'setsid-grandchild': { module: fixture('setsid-grandchild') } } } });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const { pid: grandchild } = await client.call<{ pid: number }>('setsid-grandchild.grandchild');
  const [row] = await client.call('plugins.list');
  const mark = events.mark;
  process.kill(row!.pid!, 'SIGKILL');
  await events.state('setsid-grandchild', 'running', 30_000, mark);
  await waitUntil(() => procInfo(grandchild) === null, 10_000, 'the grandchild to be killed and reaped');
  const lines = async () => (await client.call('logs.tail', { lines: 500 })).lines.filter((l) => l.message === MESSAGE);
  await waitUntil(async () => (await lines()).length > 0, 10_000, 'the kill, said in the core\'s log');
  // Every SIGCHLD after the kill (the grandchild's own among them) is one more sweep.
  const mentions = (await lines()).filter((l) => (l['processes'] as string[]).includes(`${grandchild} (node)`));
  t.is(mentions.length, 1, JSON.stringify(mentions));
  t.is(mentions[0]!['plugin'], 'setsid-grandchild');
});
