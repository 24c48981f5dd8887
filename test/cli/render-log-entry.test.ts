import test from 'ava';
import { renderLogEntry, visible } from '../../src/cli/render/log-entry.js';

test('control characters in a log line are shown, not sent to the terminal; a tab stays', (t) => {
  t.is(visible('red \u001b[31malert\u001b[0m\r\nnext\tcol\u0000\u009b'), 'red \\x1b[31malert\\x1b[0m\\x0d\\x0anext\tcol\\x00\\x9b');
  t.is(renderLogEntry({ source: 'p', pid: 7, stream: 'stdout', message: 'a\u001b]0;title\u0007b', note: 'x\ny' }), 'p[7] stdout a\\x1b]0;title\\x07b note=x\\x0ay');
  t.is(visible('plain text, ünïcode ✓'), 'plain text, ünïcode ✓');
});
