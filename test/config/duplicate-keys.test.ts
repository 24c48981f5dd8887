import test from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { findDuplicateKeys } from '../../src/config/duplicate-keys.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('keys given twice are found with their dotted path and both lines, at any depth', (t) => {
  const text = [
    '{',
    '  "plugins": {',
    '    "a": { "module": "x", "config": { "list": [ { "k": 1, "k": 2 }, { "k": 3 } ] } },',
    '    "b": { "module": "y" },',
    '    "a": { "module": "z" }',
    '  },',
    '  "logs": { "level": "info", "le\\u0076el": "debug", "note": "\\"level\\": not a key" }',
    '}',
  ].join('\n');
  JSON.parse(text); // valid JSON: JSON.parse keeps the last of each
  t.deepEqual(findDuplicateKeys(text), [
    { path: 'plugins.a.config.list.0.k', lines: [3, 3] },
    { path: 'plugins.a', lines: [3, 5] },
    { path: 'logs.level', lines: [7, 7] },
  ]);
  t.deepEqual(findDuplicateKeys('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":1}]}'), [], 'the same key in different objects is fine');
});

test('a config with a plugin given twice is refused by name and line, and nothing starts', async (t) => {
  const home = tempHome(t);
  const entry = JSON.stringify({ module: fixture('forever') });
  writeConfig(home, `{\n  "plugins": {\n    "forever": ${entry},\n    "forever": ${entry}\n  }\n}\n`);
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.regex(err!.message, /^invalid config \/.*\/agentd\.config\.json: plugins\.forever: given twice \(lines 3 and 4\); JSON keeps only the last, so remove one$/);
  t.is(lockHolder(homePaths(home).pidfile), 0, 'no daemon left holding the lock');
});
