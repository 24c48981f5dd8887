import test from 'ava';
import { tagPluginLines } from '../../src/logging/index.js';

test("each line gets the plugin's name right after its time, other fields unchanged", (t) => {
  const text = [
    '{"time":"2025-01-02T03:04:05.678Z","stream":"stdout","pid":7,"instance":0,"message":"a \\"quoted\\", b"}',
    '{"time":"2025-01-02T03:04:05.679Z","stream":"log","pid":7,"instance":0,"level":"info","message":"m","n":1}',
    '',
  ].join('\n');
  const out = tagPluginLines(text, 'web');
  const lines = out.split('\n');
  t.is(lines.length, 3);
  t.is(lines[0], '{"time":"2025-01-02T03:04:05.678Z","plugin":"web","stream":"stdout","pid":7,"instance":0,"message":"a \\"quoted\\", b"}');
  t.deepEqual(JSON.parse(lines[1]!), { time: '2025-01-02T03:04:05.679Z', plugin: 'web', stream: 'log', pid: 7, instance: 0, level: 'info', message: 'm', n: 1 });
});

test('a JSON object without a leading time (written verbatim by the plugin) still becomes valid JSON', (t) => {
  const out = tagPluginLines('{"a":1}\n{}\n{ }\n', 'web').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
  t.deepEqual(out, [{ plugin: 'web', a: 1 }, { plugin: 'web' }, { plugin: 'web' }]);
});
