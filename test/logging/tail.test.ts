import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { tempHome } from '../helpers/home.js';
import { lastLines } from '../../src/logging/tail.js';

/** The last n lines of `text` (a final line may lack its newline) whose bytes from their start to the end fit in maxBytes. */
function expected(text: string, n: number, maxBytes: number): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const end = Buffer.byteLength(text);
  const out: string[] = [];
  let start = end;
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
    start -= Buffer.byteLength(lines[i]!) + (i === lines.length - 1 && !text.endsWith('\n') ? 0 : 1);
    if (end - start > maxBytes) break;
    out.unshift(lines[i]!);
  }
  return out;
}

test('lastLines finds where the last lines begin by scanning backwards, across chunks, within the byte bound', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'x.log');
  const long = 'é'.repeat(50_000); // longer than a 64 KiB chunk in bytes
  const texts = ['', '\n', 'a', 'a\n', 'a\n\nb', `one\n${long}\nthree\n`, `${long}\n${long}\nend`, Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n') + '\n'];
  for (const text of texts) {
    fs.writeFileSync(file, text);
    for (const n of [1, 2, 3, 2999, 5000]) {
      for (const maxBytes of [1, 4, 10, 100_001, 1 << 20]) {
        const fd = fs.openSync(file, 'r');
        try {
          t.deepEqual(await lastLines(fd, n, maxBytes), expected(text, n, maxBytes), `${JSON.stringify(text.slice(0, 20))}… n=${n} maxBytes=${maxBytes}`);
        } finally {
          fs.closeSync(fd);
        }
      }
    }
  }
});
