import test from 'ava';
import { parseCoreArgs } from '../../src/core/core-args.js';

test('the core reads the arguments ctl start passes it', (t) => {
  t.deepEqual(parseCoreArgs(['--home', '/h', '--config', '/c.json', '--watch', '--foreground', '--json']), { home: '/h', config: '/c.json', watch: true, foreground: true, json: true });
  t.deepEqual(parseCoreArgs(['--home=/h']), { home: '/h', watch: false, foreground: false, json: false });
  t.deepEqual(parseCoreArgs([]), { watch: false, foreground: false, json: false });
});

test('the core refuses arguments it does not know, and options without their value', (t) => {
  for (const argv of [['--nope'], ['/h'], ['--home'], ['--home', '--watch'], ['--watch=yes'], ['--json=1'], ['-h', '/h']]) {
    t.throws(() => parseCoreArgs(argv), { instanceOf: TypeError }, argv.join(' '));
  }
});
