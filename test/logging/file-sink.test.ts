import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import zlib from 'node:zlib';
import { FileSink, type SinkError } from '../../src/logging/index.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { exited, fixture, readAllLines, rotatedFiles, sequenceProblem } from './helpers.js';

const plain = { maxSize: null, keep: 5, compress: false };

function setup(t: { teardown: (fn: () => void) => void }): string {
  const home = makeTempHome('ls');
  t.teardown(() => removeTempHome(home));
  return home;
}

const numbered = (from: number, count: number, width = 0) => {
  let s = '';
  for (let i = from; i < from + count; i++) s += `${String(i).padStart(width, '0')}\n`;
  return s;
};

test('writes lines synchronously with mode 0600 and counts them', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, plain);
  t.true(sink.write('one\n'));
  t.true(sink.write('two\nthree\n'));
  t.is(fs.readFileSync(file, 'utf8'), 'one\ntwo\nthree\n');
  t.is(fs.statSync(file).mode & 0o777, 0o600);
  t.like(sink.stats(), { path: file, bytes: 14, lines: 3, dropped: 0, rotations: 0, lastError: null, failing: false });
  await sink.close();
  t.false(sink.write('after close\n'));
  t.is(sink.stats().dropped, 1);
});

test('maxSize rotates at once, and keep N deletes older files', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, { maxSize: 1000, keep: 3, compress: false });
  // 100 lines of 50 bytes: a rotation after every 20th line.
  for (let i = 0; i < 100; i++) sink.write(`${String(i).padStart(49, '0')}\n`);
  t.is(sink.stats().rotations, 5);
  t.deepEqual(rotatedFiles(file).map((f) => f.generation), [3, 2, 1]);
  for (const f of rotatedFiles(file)) t.is(fs.statSync(f.file).size, 1000);
  t.is(fs.statSync(file).size, 0);
  const numbers = readAllLines(file).map(Number);
  t.deepEqual(numbers, Array.from({ length: 60 }, (_, i) => 40 + i));
  await sink.close();
});

test('rotate() shifts x.1 to x.2, skips an empty file, and keep 0 deletes', async (t) => {
  const home = setup(t);
  const file = path.join(home, 'a.log');
  const sink = new FileSink(file, plain);
  sink.write('first\n');
  t.deepEqual(await sink.rotate(), { rotated: true, to: `${file}.1` });
  t.deepEqual(await sink.rotate(), { rotated: false, to: '' });
  sink.write('second\n');
  await sink.rotate();
  t.is(fs.readFileSync(`${file}.2`, 'utf8'), 'first\n');
  t.is(fs.readFileSync(`${file}.1`, 'utf8'), 'second\n');

  sink.configure({ maxSize: null, keep: 0, compress: false });
  sink.write('third\n');
  t.deepEqual(await sink.rotate(), { rotated: true, to: '' });
  t.is(fs.readFileSync(file, 'utf8'), '');
  t.deepEqual(rotatedFiles(file), [], 'a smaller keep also removes files beyond it');
  await sink.close();
});

test('a generation that cannot be moved fails the rotation and leaves the others where they were, however often it is tried', async (t) => {
  // 250 characters: `.10.gz` makes a name longer than 255 (ENAMETOOLONG), `.10` does not.
  const file = path.join(setup(t), 'a'.repeat(250));
  fs.writeFileSync(`${file}.9.gz`, zlib.gzipSync('oldest\n'));
  for (let g = 1; g <= 8; g++) fs.writeFileSync(`${file}.${g}`, `${g}\n`);
  const sink = new FileSink(file, { maxSize: null, keep: 14, compress: false });
  sink.write('live\n');
  for (let i = 0; i < 3; i++) await t.throwsAsync(sink.rotate(), { code: 'E_LOG_ROTATE' });
  t.deepEqual(zlib.gunzipSync(fs.readFileSync(`${file}.9.gz`)).toString(), 'oldest\n', 'the oldest generation neither moved nor deleted');
  t.false(fs.existsSync(`${file}.10`));
  t.deepEqual(readAllLines(file), ['oldest', '8', '7', '6', '5', '4', '3', '2', '1', 'live']);
  await sink.close();
});

test('compress gzips the rotated file in the background; close waits for it', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, { maxSize: null, keep: 5, compress: true });
  sink.write(numbered(0, 1000));
  t.deepEqual(await sink.rotate(), { rotated: true, to: `${file}.1.gz` });
  sink.write(numbered(1000, 10));
  t.deepEqual(await sink.rotate(), { rotated: true, to: `${file}.1.gz` });
  await sink.close();
  t.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ['a.log', 'a.log.1.gz', 'a.log.2.gz']);
  t.is(zlib.gunzipSync(fs.readFileSync(`${file}.2.gz`)).toString(), numbered(0, 1000));
  t.is(fs.statSync(`${file}.1.gz`).mode & 0o777, 0o600);
});

for (const compress of [false, true]) {
  test(`no line lost or doubled across dozens of rotations during a burst (compress ${compress})`, async (t) => {
    const file = path.join(setup(t), 'burst.log');
    const sink = new FileSink(file, { maxSize: null, keep: 1000, compress });
    let n = 0;
    let writing = true;
    // The writer runs a batch per event-loop turn, so rotations land between and among its writes.
    const writer = (async () => {
      while (writing) {
        for (let k = 0; k < 500; k++) sink.write(`${n++}\n`, 1);
        await nextTurn();
      }
    })();
    const rotations: Array<Promise<unknown>> = [];
    for (let r = 0; r < 40; r++) {
      await nextTurn();
      rotations.push(sink.rotate());
      if (r % 10 === 0) rotations.push(sink.rotate()); // queued behind the first
      if (r % 4 === 0) await rotations[rotations.length - 1];
    }
    await Promise.all(rotations);
    writing = false;
    await writer;
    await sink.close();
    t.true(sink.stats().rotations >= 30, `${sink.stats().rotations} rotations`);
    t.is(sequenceProblem(readAllLines(file).map(Number), n), null);
    if (compress) t.true(rotatedFiles(file).every((f) => f.gz), 'every rotated file compressed');
    t.log(`${n} lines, ${sink.stats().rotations} rotations`);
  });
}

test('size rotation with compress never loses a line while a compression is pending', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, { maxSize: 4096, keep: 1000, compress: true });
  let n = 0;
  for (let turn = 0; turn < 50; turn++) {
    for (let k = 0; k < 300; k++) sink.write(`${n++}\n`, 1);
    await nextTurn();
  }
  await sink.close();
  t.true(sink.stats().rotations >= 5);
  t.is(sequenceProblem(readAllLines(file).map(Number), n), null);
  // A size rotation does not wait for the gzip before it: no generation passes maxSize + one write.
  const sizes = rotatedFiles(file).map((f) => zlib.gunzipSync(fs.readFileSync(f.file)).length);
  t.true(rotatedFiles(file).every((f) => f.gz), 'every rotated file compressed');
  t.true(sizes.every((size) => size <= 4096 + 6), `generation sizes ${Math.max(...sizes)} at most`);
});

test('generations shifted and deleted while a gzip runs: the kept ones are each archived once, nothing left over', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'a.log');
  const sink = new FileSink(file, { maxSize: 2048, keep: 3, compress: true });
  let n = 0;
  for (let turn = 0; turn < 20; turn++) {
    for (let k = 0; k < 2000; k++) sink.write(`${n++}\n`, 1);
    await nextTurn();
  }
  await sink.close();
  t.true(sink.stats().rotations > 100, `${sink.stats().rotations} rotations`);
  t.deepEqual(fs.readdirSync(dir).sort(), ['a.log', 'a.log.1.gz', 'a.log.2.gz', 'a.log.3.gz']);
  // What is left is the newest lines, in order, up to the last one written.
  const kept = readAllLines(file).map(Number);
  t.is(kept[kept.length - 1], n - 1);
  t.is(sequenceProblem(kept.map((x) => x - kept[0]!), kept.length), null);
});

test('reopen() after an external mv writes to a new file at the path', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, plain);
  sink.write('a\n');
  fs.renameSync(file, `${file}.moved`);
  sink.write('b\n');
  t.true(sink.reopen());
  sink.write('c\n');
  t.is(fs.readFileSync(`${file}.moved`, 'utf8'), 'a\nb\n');
  t.is(fs.readFileSync(file, 'utf8'), 'c\n');
  await sink.close();
});

test('a size rotation after an external mv, before the reopen: a new file, and no generation shifted or deleted', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, { maxSize: 4096, keep: 1, compress: false });
  sink.write('kept\n');
  await sink.rotate();
  sink.write('moved\n');
  fs.renameSync(file, `${file}.moved`);
  // Reaches maxSize before anyone calls reopen(): the file written is at a.log.moved now.
  sink.write(`${'x'.repeat(4095)}\n`);
  t.is(fs.readFileSync(`${file}.1`, 'utf8'), 'kept\n', 'the one kept generation is still there');
  t.false(fs.existsSync(`${file}.2`));
  t.true(fs.readFileSync(`${file}.moved`, 'utf8').startsWith('moved\n'));
  sink.write('after\n');
  t.is(fs.readFileSync(file, 'utf8'), 'after\n');
  await sink.close();
});

test('checkPath() reopens after unlink or replacement, and only then', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, plain);
  sink.write('a\n');
  t.false(sink.checkPath());
  fs.unlinkSync(file);
  t.true(sink.checkPath());
  sink.write('b\n');
  t.is(fs.readFileSync(file, 'utf8'), 'b\n');
  t.false(sink.checkPath()); // seen: 'b' is in a file someone can read
  fs.writeFileSync(`${file}.new`, 'other\n');
  fs.renameSync(`${file}.new`, file);
  t.true(sink.checkPath());
  sink.write('c\n');
  t.is(fs.readFileSync(file, 'utf8'), 'other\nc\n');
  t.false(sink.checkPath());
  await sink.close();
});

test('a deleted file: lines written to it since the path was last seen are carried over to the new file', async (t) => {
  const file = path.join(setup(t), 'a.log');
  const sink = new FileSink(file, plain);
  sink.write('seen\n');
  t.false(sink.checkPath());
  sink.write('after the look\n');
  fs.unlinkSync(file);
  sink.write('after the delete\n');
  t.true(sink.checkPath());
  sink.write('in the new file\n');
  // 'seen' went with the deleted file, as asked; nothing written since anyone could read it is lost.
  t.is(fs.readFileSync(file, 'utf8'), 'after the look\nafter the delete\nin the new file\n');
  t.is(sink.stats().bytes, fs.statSync(file).size);
  // A moved file keeps its lines where it went: nothing is copied.
  fs.renameSync(file, `${file}.moved`);
  sink.write('into the moved file\n');
  t.true(sink.checkPath());
  t.is(fs.readFileSync(file, 'utf8'), '');
  t.regex(fs.readFileSync(`${file}.moved`, 'utf8'), /into the moved file\n$/);
  await sink.close();
});

test('a new sink finishes what a core killed mid-compression left: a partial .gz.tmp goes, a doubled generation loses its plain copy', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'a.log');
  fs.writeFileSync(`${file}.1`, 'one\n');
  fs.writeFileSync(`${file}.1.gz`, zlib.gzipSync('one\n'));
  fs.writeFileSync(`${file}.2`, 'two\n');
  fs.writeFileSync(`${file}.2.gz.tmp`, 'partial gzip');
  fs.writeFileSync(`${file}.gz-1234.tmp`, 'partial gzip');
  fs.writeFileSync(`${file}.3.gz`, zlib.gzipSync('three\n'));
  const sink = new FileSink(file, plain);
  t.deepEqual(fs.readdirSync(dir).sort(), ['a.log', 'a.log.1.gz', 'a.log.2', 'a.log.3.gz']);
  await sink.close();
});

test('a gap in the numbering (a core killed mid-shift) is closed when the next core opens the log, oldest staying oldest', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'a.log');
  fs.writeFileSync(`${file}.1`, 'four\n');
  fs.writeFileSync(`${file}.3`, 'three\n');
  fs.writeFileSync(`${file}.4.gz`, zlib.gzipSync('two\n'));
  fs.writeFileSync(`${file}.7`, 'one\n');
  const sink = new FileSink(file, plain);
  t.deepEqual(fs.readdirSync(dir).sort(), ['a.log', 'a.log.1', 'a.log.2', 'a.log.3.gz', 'a.log.4']);
  t.deepEqual(readAllLines(file), ['one', 'two', 'three', 'four']);
  await sink.close();
});

test('a rotation closes a gap before shifting: no generation within keep is deleted for the number it lost', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'a.log');
  const sink = new FileSink(file, { maxSize: null, keep: 3, compress: false });
  // What a kill between the two renames of a shift leaves, as this sink runs on.
  fs.writeFileSync(`${file}.3`, 'one\n');
  fs.writeFileSync(`${file}.1`, 'two\n');
  sink.write('three\n');
  t.deepEqual(await sink.rotate(), { rotated: true, to: `${file}.1` });
  t.deepEqual(fs.readdirSync(dir).sort(), ['a.log', 'a.log.1', 'a.log.2', 'a.log.3']);
  t.deepEqual(readAllLines(file), ['one', 'two', 'three']);
  await sink.close();
});

test('a new sink with compress gzips the plain generations a killed core left, each once, oldest first', async (t) => {
  const dir = setup(t);
  const file = path.join(dir, 'a.log');
  fs.writeFileSync(`${file}.1`, 'one\n');
  fs.writeFileSync(`${file}.2`, 'two\n');
  fs.writeFileSync(`${file}.3.gz`, zlib.gzipSync('three\n'));
  const sink = new FileSink(file, { maxSize: null, keep: 5, compress: true });
  await sink.settled();
  t.deepEqual(fs.readdirSync(dir).sort(), ['a.log', 'a.log.1.gz', 'a.log.2.gz', 'a.log.3.gz']);
  t.deepEqual(readAllLines(file), ['three', 'two', 'one']);
  await sink.close();
});

test('a full disk drops and counts lines, never throws, and recovers', async (t) => {
  const file = path.join(setup(t), 'a.log');
  fs.symlinkSync('/dev/full', file); // every write fails with ENOSPC
  const sink = new FileSink(file, plain);
  const states: SinkError[] = [];
  const recovered: number[] = [];
  sink.on('error-state', (e: SinkError) => states.push(e));
  sink.on('recovered', (n: number) => recovered.push(n));
  t.false(sink.write('a\n'));
  t.false(sink.write('b\nc\n'));
  t.is(states.length, 1, 'one error-state per episode');
  t.like(sink.stats(), { dropped: 3, lines: 0, failing: true, lastError: { code: 'ENOSPC' } });
  t.false(sink.write('d\n'));
  fs.unlinkSync(file); // space is back: the path now leads to a regular file
  t.true(sink.checkPath());
  t.true(sink.write('e\n'));
  t.deepEqual(recovered, [4]);
  t.like(sink.stats(), { dropped: 4, lines: 1, failing: false, lastError: { code: 'ENOSPC' } });
  t.is(fs.readFileSync(file, 'utf8'), 'e\n');
  await sink.close();
});

test('a write stopped part-way (file size limit, a disk filling up) leaves no piece of a line in the file', async (t) => {
  const file = path.join(setup(t), 'a.log');
  // A limit of whole blocks never falls on a 100-byte line's end: the write crossing it is cut.
  const child = spawn('/bin/sh', ['-c', 'ulimit -f 4 && exec "$@"', 'sh', process.execPath, fixture('size-limited'), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  t.is(await exited(child), 0);
  const stats = JSON.parse(out) as { failedAt: number; lines: number; dropped: number };
  const full = fs.readFileSync(`${file}.1`, 'utf8');
  t.true(full.endsWith('\n'), 'the limited file ends with a whole line');
  const lines = full.split('\n').slice(0, -1);
  t.deepEqual(lines.map(Number), Array.from({ length: stats.failedAt }, (_, i) => i), 'only whole lines, in order');
  t.true(lines.every((l) => l.length === 99));
  t.is(fs.readFileSync(file, 'utf8'), 'after\n', 'the next file starts with a whole line');
  t.like(stats, { lines: stats.failedAt + 1, dropped: 3 });
});

test('an fd closed underneath is reopened; when that fails too, lines are dropped until it works', async (t) => {
  const dir = path.join(setup(t), 'sub');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'a.log');
  const sink = new FileSink(file, plain);
  sink.write('a\n');
  fs.closeSync(fdOf(file));
  t.true(sink.write('b\n'), 'EBADF: reopened and written');
  t.is(fs.readFileSync(file, 'utf8'), 'a\nb\n');

  // A removed directory is made again; a file in its place cannot be got round (ENOTDIR).
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, '');
  fs.closeSync(fdOf(`${file} (deleted)`));
  t.notThrows(() => t.false(sink.write('c\n')));
  t.like(sink.stats(), { dropped: 1, failing: true, lastError: { code: 'ENOTDIR' } });
  fs.rmSync(dir);
  t.true(sink.write('d\n'));
  t.is(fs.readFileSync(file, 'utf8'), 'd\n');
  t.like(sink.stats(), { dropped: 1, failing: false });
  await sink.close();
});

/** The fd of this process that has `target` open. */
function fdOf(target: string): number {
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === target) return Number(fd);
    } catch { /* gone meanwhile */ }
  }
  throw new Error(`no fd open on ${target}`);
}

test('checkPath() on a deleted file whose directory became a file: lines counted as dropped, not written unseen, until the path is back', async (t) => {
  const dir = path.join(setup(t), 'sub');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'a.log');
  const sink = new FileSink(file, plain);
  const said: string[] = [];
  sink.on('error-state', (e: { code: string }) => said.push(e.code));
  sink.write('a\n');
  fs.rmSync(dir, { recursive: true });
  fs.writeFileSync(dir, '');
  sink.checkPath();
  t.false(sink.write('b\n'));
  t.false(sink.write('c\n'));
  t.like(sink.stats(), { dropped: 2, failing: true, lastError: { code: 'ENOTDIR' } });
  t.deepEqual(said, ['ENOTDIR'], 'said once');
  fs.rmSync(dir);
  t.true(sink.write('d\n'));
  t.is(fs.readFileSync(file, 'utf8'), 'd\n');
  await sink.close();
});
