import test from 'ava';
import { etagOf, ifRangeAllows, preconditionStatus, validatorsOf } from '../../../plugins/image-server/conditional.js';

const v = validatorsOf(12345, 2048, 1_700_000_000_123.456, 1_700_000_000_123.456);
const date = (offsetSec: number) => new Date((v.modifiedSec + offsetSec) * 1000).toUTCString();

test('ETags are strong, quoted, and change with inode, size, mtime or ctime (to the µs)', (t) => {
  t.regex(v.etag, /^"[0-9a-z-]+"$/);
  t.not(etagOf(1, 2, 3, 4), etagOf(2, 2, 3, 4));
  t.not(etagOf(1, 2, 3, 4), etagOf(1, 3, 3, 4));
  t.not(etagOf(1, 2, 3, 4), etagOf(1, 2, 3.001, 4));
  t.not(etagOf(1, 2, 3, 4), etagOf(1, 2, 3, 4.001), 'a rewrite whose mtime was put back');
  t.is(v.lastModified, date(0));
});

test('preconditions in RFC 9110 order', (t) => {
  t.is(preconditionStatus({}, v), 0);
  t.is(preconditionStatus({ 'if-none-match': v.etag }, v), 304);
  t.is(preconditionStatus({ 'if-none-match': `"a", W/${v.etag}` }, v), 304);
  t.is(preconditionStatus({ 'if-none-match': '*' }, v), 304);
  t.is(preconditionStatus({ 'if-none-match': '"a"', 'if-modified-since': date(10) }, v), 0, 'If-None-Match wins');
  t.is(preconditionStatus({ 'if-modified-since': date(0) }, v), 304);
  t.is(preconditionStatus({ 'if-modified-since': date(-1) }, v), 0);
  t.is(preconditionStatus({ 'if-modified-since': 'garbage' }, v), 0);
  t.is(preconditionStatus({ 'if-modified-since': date(10) }, v, v.modifiedSec + 10), 304);
  t.is(preconditionStatus({ 'if-modified-since': date(10) }, v, v.modifiedSec + 9), 0, 'a date later than the server\'s clock is ignored');
  t.is(preconditionStatus({ 'if-match': '"a"' }, v), 412);
  t.is(preconditionStatus({ 'if-match': `W/${v.etag}` }, v), 412, 'strong comparison');
  t.is(preconditionStatus({ 'if-match': v.etag, 'if-none-match': v.etag }, v), 304);
  t.is(preconditionStatus({ 'if-unmodified-since': date(-1) }, v), 412);
  t.is(preconditionStatus({ 'if-unmodified-since': date(0) }, v), 0);
  t.is(preconditionStatus({ 'if-match': v.etag, 'if-unmodified-since': date(-1) }, v), 0, 'If-Match wins');
});

test('If-Range: exact strong ETag or exact date', (t) => {
  t.true(ifRangeAllows({}, v));
  t.true(ifRangeAllows({ 'if-range': v.etag }, v));
  t.false(ifRangeAllows({ 'if-range': `W/${v.etag}` }, v));
  t.true(ifRangeAllows({ 'if-range': date(0) }, v));
  t.false(ifRangeAllows({ 'if-range': date(1) }, v));
});
