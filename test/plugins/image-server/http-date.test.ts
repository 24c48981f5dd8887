import test from 'ava';
import { parseHttpDate } from '../../../plugins/image-server/http-date.js';

const SEC = Date.UTC(1994, 10, 6, 8, 49, 37) / 1000;

test('the three forms RFC 9110 §5.6.7 names are dates', (t) => {
  t.is(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT'), SEC);
  t.is(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT'), SEC);
  t.is(parseHttpDate('Sun Nov  6 08:49:37 1994'), SEC);
});

test('anything else is not, however Date.parse would read it', (t) => {
  for (const value of ['2099', '1', 'Tuesday 2099', '2030-01-01T00:00:00Z', 'Sun, 06 Nov 1994 08:49:37', 'Sun, 06 Nov 1994 08:49:37 GMT; length=10',
    'sun, 06 nov 1994 08:49:37 gmt', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', '', 'garbage']) {
    t.true(Number.isNaN(parseHttpDate(value)), value);
  }
});
