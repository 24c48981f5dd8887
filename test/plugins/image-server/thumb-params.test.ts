import test from 'ava';
import { defaults } from '../../../plugins/image-server/config.js';
import { parseThumbParams } from '../../../plugins/image-server/thumb-params.js';

const limits = defaults.thumbnails;

test('no thumbnail keys: null (the original is served)', (t) => {
  t.is(parseThumbParams('', limits), null);
  t.is(parseThumbParams('v=3&utm=x', limits), null);
});

test('valid parameters, with defaults and aliases', (t) => {
  t.deepEqual(parseThumbParams('w=200&h=100&fit=contain&format=webp&q=70', limits), { width: 200, height: 100, fit: 'contain', format: 'webp', quality: 70 });
  t.deepEqual(parseThumbParams('w=10', limits), { width: 10, height: undefined, fit: 'cover', format: undefined, quality: undefined });
  t.like(parseThumbParams('format=JPG', limits), { format: 'jpeg' });
});

test('invalid parameters: a reason for the 400', (t) => {
  for (const q of ['w=0', 'w=01', 'w=-1', 'w=1e3', 'w=4097', 'h=99999999', 'fit=x', 'format=gif', 'q=0', 'q=101', 'w=1&w=1']) {
    t.is(typeof parseThumbParams(q, limits), 'string', q);
  }
});
