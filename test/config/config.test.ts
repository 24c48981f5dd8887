import test from 'ava';
import { diffPlugins, formatBytes, formatDuration, parseDuration, parseSize, validateConfig } from '../../src/config/index.js';

test('durations and sizes parse as users write them', (t) => {
  t.deepEqual(['250ms', '10s', '1.5s', '5m', '2h', 1200, 'soon', '-1s'].map((d) => parseDuration(d as string)), [250, 10_000, 1500, 300_000, 7_200_000, 1200, null, null]);
  t.deepEqual(['10MB', '1MiB', '512KiB', '1 kb', 4096, '10 parsecs'].map((s) => parseSize(s as string)), [10_000_000, 1_048_576, 524_288, 1000, 4096, null]);
  t.is(formatDuration(61_000), '1m1s');
  // Only rpc.busyPoll is below a millisecond; every other unit gives whole milliseconds.
  t.deepEqual(['50us', '0.5us', '1500US'].map((d) => parseDuration(d)), [0.05, 0.0005, 1.5]);
  t.is(formatDuration(0.05), '50us');
  t.is(formatBytes(1536), '1.5 KiB');
});

test('defaults fill every setting', (t) => {
  const { config, plugins } = validateConfig({ plugins: { a: { module: '/x/a.ts' } } }, '/c.json', '/c');
  t.deepEqual(config.logs, { maxSize: 10_000_000, keep: 5, compress: false, level: 'info' });
  t.is(config.rpc.maxLineBytes, 1_048_576);
  t.is(config.rpc.busyPoll, 0.05);
  const entry = plugins[0]!.entry;
  t.is(entry.restart, 'on-failure');
  t.deepEqual(entry.backoff, { initial: 250, factor: 2, max: 30_000, jitter: 0.2, resetAfter: 10_000 });
  t.deepEqual(entry.crashLoop, { restarts: 5, window: 60_000 });
  t.is(entry.stopTimeout, 5000);
  t.true(Object.isFrozen(entry.backoff), 'the config is frozen');
});

test('errors name the field path', (t) => {
  const bad = (raw: unknown) => t.throws(() => validateConfig(raw, '/c.json', '/c'))!.message;
  t.regex(bad({ plugins: { a: { module: '/x', instances: 0 } } }), /plugins\.a\.instances: must be >= 1/);
  t.regex(bad({ plugins: { a: { module: '/x', restart: 'sometimes' } } }), /plugins\.a\.restart: must be one of "always", "on-failure", "never"/);
  t.regex(bad({ plugins: { a: { module: '/x', stopTimeout: 'a while' } } }), /plugins\.a\.stopTimeout: must be a duration/);
  t.regex(bad({ logs: { maxsize: '1MB' } }), /logs\.maxsize: unknown field/);
  t.regex(bad({ plugins: { Bad_Name: { module: '/x' } } }), /plugins\.Bad_Name: a plugin name is lowercase/);
  t.regex(bad({ plugins: { rpc: { module: '/x' } } }), /plugins\.rpc: the name is reserved/);
  t.regex(bad([]), /^invalid config \/c\.json: /);
  // Values that would make a setting useless are refused, not taken literally.
  t.regex(bad({ rpc: { maxLineBytes: 0 } }), /rpc\.maxLineBytes: must be at least 4\.0 KiB \(got 0\)/);
  t.regex(bad({ rpc: { idleTimeout: '0s' } }), /rpc\.idleTimeout: must be at least 1s \(got "0s"\)/);
  t.regex(bad({ logs: { maxSize: '1KB' } }), /logs\.maxSize: must be at least 4\.0 KiB \(got "1KB"\)/);
  t.regex(bad({ rpc: { busyPoll: '2ms' } }), /rpc\.busyPoll: must be at most 1ms \(got "2ms"\)/);
  t.is(bad({ plugins: { x: {} } }), 'invalid config /c.json: plugins.x.module: is required');
  // Node's spawn would refuse these only when the plugin starts.
  t.is(bad({ plugins: { hello: { module: '/x', env: { A: 'a\0b' } } } }), 'invalid config /c.json: plugins.hello.env.A: must not contain a NUL character');
  t.regex(bad({ plugins: { hello: { module: '/x', env: { 'A=B': 'x' } } } }), /^invalid config \/c\.json: plugins\.hello\.env\.A=B: a variable name is not empty and has no "=" or NUL$/);
});

test('module paths resolve against the config file; package names stay names', (t) => {
  const { plugins } = validateConfig({ plugins: { a: { module: './a.ts' }, b: { module: 'agentd-plugin-b' } } }, '/etc/agentd/c.json', '/etc/agentd');
  t.is(plugins[0]!.module, '/etc/agentd/a.ts');
  t.is(plugins[1]!.module, 'agentd-plugin-b');
});

test('diff sorts plugins into added, removed, changed and unchanged', (t) => {
  const load = (plugins: Record<string, unknown>) => validateConfig({ plugins }, null, '/').plugins;
  const before = load({ a: { module: '/a' }, b: { module: '/b' }, c: { module: '/c' } });
  const after = load({ a: { module: '/a' }, b: { module: '/b', config: { x: 1 } }, d: { module: '/d' } });
  const diff = diffPlugins(before, after);
  t.deepEqual({ added: diff.added.map((p) => p.name), removed: diff.removed, changed: diff.changed.map((p) => p.name), unchanged: diff.unchanged },
    { added: ['d'], removed: ['c'], changed: ['b'], unchanged: ['a'] });
});

test('an array where the config wants an object is refused with its path', (t) => {
  const bad = (raw: unknown) => t.throws(() => validateConfig(raw, '/c.json', '/c'))!.message;
  t.regex(bad({ plugins: [] }), /plugins: must be an object, not an array/);
  t.regex(bad({ logs: [] }), /logs: must be an object, not an array/);
  t.regex(bad({ plugins: { a: { module: '/a', backoff: [] } } }), /plugins\.a\.backoff: must be an object/);
  t.regex(bad({ plugins: { a: { module: '/a', env: [] } } }), /plugins\.a\.env: must be an object/);
  t.notThrows(() => validateConfig({ plugins: { a: { module: '/a', config: { list: [1, 2] } } } }, '/c.json', '/c'), 'arrays inside a plugin\'s own config are its business');
});

test('a duration string without a unit: "0" is zero; any other is refused with the forms every duration setting accepts', (t) => {
  t.is(validateConfig({ rpc: { busyPoll: '0' } }, '/c.json', '/c').config.rpc.busyPoll, 0);
  const bad = (raw: unknown) => t.throws(() => validateConfig(raw, '/c.json', '/c'))!.message;
  t.is(bad({ rpc: { busyPoll: '50' } }),
    'invalid config /c.json: rpc.busyPoll: "50" has no unit; give 0, a number of milliseconds, or a string with a unit (us, ms, s, m, h, d) such as "50us" or "1ms"');
  t.is(bad({ plugins: { a: { module: '/x', stopTimeout: '5000' } } }),
    'invalid config /c.json: plugins.a.stopTimeout: "5000" has no unit; give 0, a number of milliseconds, or a string with a unit (us, ms, s, m, h, d) such as "250ms", "10s" or "5m"');
  t.is(bad({ plugins: { a: { module: '/x', backoff: { initial: 'soon' } } } }),
    'invalid config /c.json: plugins.a.backoff.initial: must be a duration: 0, a number of milliseconds, or a string with a unit (us, ms, s, m, h, d) such as "250ms", "10s" or "5m" (got "soon")');
  t.regex(bad({ rpc: { idleTimeout: true } }), /rpc\.idleTimeout: must be a duration: 0, a number of milliseconds, or a string with a unit .* \(got true\)$/);
  t.regex(bad({ rpc: { idleTimeout: -1 } }), /rpc\.idleTimeout: must be/);
});
