import test from 'ava';
import { parseCoreArgs } from '../../src/core/core-args.js';

test('the core reads the arguments ctl start passes it', (t) => {
  t.deepEqual(parseCoreArgs(['--home', '/h', '--config', '/c.json', '--watch', '--foreground']), { home: '/h', config: '/c.json', watch: true, foreground: true });
  t.deepEqual(parseCoreArgs(['--home=/h']), { home: '/h', watch: false, foreground: false });
  t.deepEqual(parseCoreArgs([]), { watch: false, foreground: false });
});

test('the core refuses arguments it does not know, and options without their value', (t) => {
  for (const argv of [['--nope'], ['/h'], ['--home'], ['--home', '--watch'], ['--watch=yes'], ['-h', '/h']]) {
    t.throws(() => parseCoreArgs(argv), { instanceOf: TypeError }, argv.join(' '));
  }
});
