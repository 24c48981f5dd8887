import test from 'ava';
import type { PluginRow } from '../../src/rpc/wire-types.js';
import { RowJson } from '../../src/supervisor/row-json.js';

const base: PluginRow = {
  name: 'web#1', plugin: 'web', instance: 1, state: 'running', pid: 4242, uptime: 12.34, restarts: 2,
  lastExit: { code: 1, signal: null, at: '2026-11-25T09:00:00.000Z' }, memory: { rss: 50_000_000 }, cpu: 0.5,
  error: null, nextStartAt: null,
};

/** A different value of each field, nested ones included; every field of PluginRow must be here. */
const changes: { [K in keyof PluginRow]-?: (r: PluginRow) => PluginRow } = {
  name: (r) => ({ ...r, name: 'web#2' }),
  plugin: (r) => ({ ...r, plugin: 'api' }),
  instance: (r) => ({ ...r, instance: 2 }),
  state: (r) => ({ ...r, state: 'backoff' }),
  pid: (r) => ({ ...r, pid: null }),
  uptime: (r) => ({ ...r, uptime: 12.35 }),
  restarts: (r) => ({ ...r, restarts: 3 }),
  lastExit: (r) => ({ ...r, lastExit: { code: null, signal: 'SIGKILL', at: '2026-11-25T09:00:01.000Z' } }),
  memory: (r) => ({ ...r, memory: { rss: 50_004_096 } }),
  cpu: (r) => ({ ...r, cpu: 0.6 }),
  error: (r) => ({ ...r, error: 'exited with code 1' }),
  nextStartAt: (r) => ({ ...r, nextStartAt: '2026-11-25T09:00:02.000Z' }),
};

test('a row\'s text is JSON.stringify of the row, and a change to any field shows in it', (t) => {
  t.deepEqual(Object.keys(changes).sort(), Object.keys(base).sort(), 'the table covers every field of a row');
  for (const [field, change] of Object.entries(changes)) {
    const memo = new RowJson();
    t.is(memo.of(base), JSON.stringify(base));
    // A fresh object with the same values: the text is reused.
    t.is(memo.of({ ...base, memory: { ...base.memory } }), JSON.stringify(base));
    const changed = change(base);
    t.is(memo.of(changed), JSON.stringify(changed), `a change of ${field}`);
    t.is(memo.of(base), JSON.stringify(base), `${field} changed back`);
  }
});
