import test from 'ava';
import { parseRange } from '../../../plugins/image-server/range.js';

test('single ranges: first-last, open-ended, suffix, clipped to the file', (t) => {
  t.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  t.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  t.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
  t.deepEqual(parseRange('bytes=50-5000', 100), { start: 50, end: 99 });
  t.deepEqual(parseRange('Bytes= 1 - 2 ', 100), { start: 1, end: 2 });
});

test('unsatisfiable: start at or past the end, zero suffix, anything of an empty file', (t) => {
  t.is(parseRange('bytes=100-', 100), 'unsatisfiable');
  t.is(parseRange('bytes=100-200', 100), 'unsatisfiable');
  t.is(parseRange('bytes=-0', 100), 'unsatisfiable');
  t.is(parseRange('bytes=0-', 0), 'unsatisfiable');
  t.is(parseRange('bytes=-5', 0), 'unsatisfiable');
});

test('ignored (null → 200): other units, bad syntax, several ranges, huge numbers', (t) => {
  for (const h of ['items=0-1', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=5-1', 'bytes=0-1,3-4', 'bytes=0-1, 3-4', `bytes=${'1'.repeat(16)}-`, 'bytes=1.5-2']) {
    t.is(parseRange(h, 100), null, h);
  }
});
