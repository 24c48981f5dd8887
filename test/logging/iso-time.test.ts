import test from 'ava';
import { isoTime } from '../../src/iso-time.js';

test('isoTime writes what toISOString writes', (t) => {
  const times = [0, -1, 1, Date.now(), 951782400000, 253402300799999, 253402300800000, -62167219200000, -62167219200001, 8.64e15, -8.64e15];
  for (let i = 0; i < 1000; i++) times.push(Math.floor((Math.random() * 2 - 1) * 8.64e15), Math.floor(Math.random() * 4e12));
  for (const ms of times) t.is(isoTime(ms), new Date(ms).toISOString(), String(ms));
  t.throws(() => isoTime(Number.NaN), { instanceOf: RangeError });
});
