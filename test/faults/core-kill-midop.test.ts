import fs from 'node:fs';
import test from 'ava';
import { lockHolder } from '../../src/native/addon.js';
import { EventRecorder } from '../helpers/events.js';
import { fixture, launchMarked, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { assertAllGone } from '../helpers/faults.js';

const base = {
  logs: { keep: 100 },
  plugins: {
    forever: { module: fixture('forever'), instances: 2 },
    'spawn-grandchild': { module: fixture('spawn-grandchild') },
    'log-ticker': { module: fixture('log-ticker'), config: { intervalMs: 2, perTick: 5 } },
  },
};

const ops: Array<[string, (home: string) => [string, Record<string, unknown>]]> = [
  ['ctl reload', (home) => {
    writeConfig(home, { ...base, plugins: { ...base.plugins, forever: { ...base.plugins.forever, instances: 5 }, 'spawn-grandchild': { ...base.plugins['spawn-grandchild'], stopTimeout: '3s' } } });
    return ['daemon.reload', {}];
  }],
  ['ctl plugins scale', () => ['plugins.scale', { name: 'forever', instances: 8 }]],
  ['ctl logrotate', () => ['logs.rotate', {}]],
  ['a rolling ctl plugins reload', () => ['plugins.reload', { name: 'forever' }]],
];

for (const [what, op] of ops) {
  test(`kill -9 of the core in the middle of ${what}: nothing it started survives, the next start works at once`, async (t) => {
    const d = await startTestDaemon(t, { config: base });
    const client = await d.client();
    const events = await EventRecorder.attach(client);
    const [method, params] = op(d.home);
    const call = client.call(method, params).then((r) => JSON.stringify(r).slice(0, 300), (e: Error) => e.message);
    // Mid-operation: the first sign of it (a plugin starting, stopping or replaced, or a rotation).
    await events.next(() => true, 20_000).catch(async (e: Error) => { throw new Error(`${e.message}; the call: ${await call}`); });
    process.kill(d.pid, 'SIGKILL');
    await assertAllGone(t, d.home, d.paths.pidfile, 15_000);
    const { pid } = await launchMarked(d.home);
    t.is(lockHolder(d.paths.pidfile), pid);
    t.true(fs.lstatSync(d.paths.socket).isSocket());
  });
}
