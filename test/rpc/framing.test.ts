import test from 'ava';
import { LineReader } from '../../src/rpc/framing.js';

function reader(max = 16) {
  const lines: string[] = [];
  let overflows = 0;
  const r = new LineReader(max, (l) => lines.push(l), () => overflows++);
  return { r, lines, get overflows() { return overflows; } };
}

test('lines split across chunks, several per chunk, CRLF and blank lines', (t) => {
  const x = reader(64);
  x.r.push(Buffer.from('{"a":1}\n{"b"'));
  x.r.push(Buffer.from(':2}\n\n{"c":3}\r\n'));
  t.deepEqual(x.lines, ['{"a":1}', '{"b":2}', '{"c":3}\r']);
  t.is(x.r.buffered, 0);
});

test('a multi-byte character split between chunks survives', (t) => {
  const x = reader(64);
  const bytes = Buffer.from('"é€"\n');
  x.r.push(bytes.subarray(0, 2));
  x.r.push(bytes.subarray(2));
  t.deepEqual(x.lines, ['"é€"']);
});

test('a line over the limit overflows once, whether it arrives whole or in pieces, and nothing after it is read', (t) => {
  const whole = reader(8);
  whole.r.push(Buffer.from('123456789\n{"after":1}\n'));
  t.is(whole.overflows, 1);
  t.deepEqual(whole.lines, []);
  const pieces = reader(8);
  pieces.r.push(Buffer.from('12345'));
  pieces.r.push(Buffer.from('6789'));
  pieces.r.push(Buffer.from('\n'));
  t.is(pieces.overflows, 1);
  t.is(pieces.r.buffered, 0);
});

test('a line of exactly the limit is accepted', (t) => {
  const x = reader(8);
  x.r.push(Buffer.from('12345678\n'));
  t.deepEqual(x.lines, ['12345678']);
  t.is(x.overflows, 0);
});

test('while held, the rest of a chunk waits unparsed; resume() goes on in order', (t) => {
  const lines: string[] = [];
  let hold = false;
  const r = new LineReader(64, (l) => { lines.push(l); hold = lines.length === 2; }, () => {}, () => hold);
  r.push(Buffer.from('1\n2\n3\n4'));
  t.deepEqual(lines, ['1', '2'], 'held after the second line');
  t.false(r.idle);
  r.push(Buffer.from('\n5\n'));
  t.deepEqual(lines, ['1', '2'], 'a later chunk waits behind the held one');
  hold = false;
  r.resume();
  t.deepEqual(lines, ['1', '2', '3', '4', '5']);
  t.true(r.idle);
});

test('end() delivers an unterminated last line, after any held lines', (t) => {
  const lines: string[] = [];
  let hold = true;
  const r = new LineReader(64, (l) => lines.push(l), () => {}, () => hold);
  r.push(Buffer.from('a\nb'));
  r.end();
  t.deepEqual(lines, []);
  hold = false;
  r.resume();
  t.deepEqual(lines, ['a', 'b']);
  const blank = new LineReader(64, (l) => lines.push(l), () => {});
  blank.push(Buffer.from('c\n  '));
  blank.end();
  t.deepEqual(lines, ['a', 'b', 'c'], 'whitespace at the end is no line');
});
