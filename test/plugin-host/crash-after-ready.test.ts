import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';

for (const [method, what, message, line] of [
  ['throw', 'uncaught exception', 'thrown after ready', 8],
  ['reject', 'unhandled rejection', 'rejected after ready', 9],
] as const) {
  test(`an ${what} after ready is the reason the plugin went down, with the line in the plugin`, async (t) => {
    const d = await startTestDaemon(t, { config: { plugins: { 'crash-after-ready': { module: fixture('crash-after-ready') } } } });
    const client = await d.client();
    const events = await EventRecorder.attach(client);
    await client.call(`crash-after-ready.${method}`);
    const restart = await events.next((e) => e.type === 'plugin.restart' && e.plugin === 'crash-after-ready');
    const reason = String(restart['reason']);
    t.true(reason.startsWith(`plugin crash-after-ready exited with code 1 after an ${what}: ${message} (at `), reason);
    t.regex(reason, new RegExp(`crash-after-ready\\.ts:${line}:\\d+\\); see \`ctl logs crash-after-ready\`$`));
  });
}
