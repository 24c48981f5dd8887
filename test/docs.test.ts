import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { configTable } from '../src/config/docs.js';
import { errorTable } from '../src/errors/docs.js';
import { ROOT } from './helpers/daemon.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('the README\'s settings table is the schema\'s (run `npm run docs` after changing it)', (t) => {
  t.true(readme.includes(configTable()));
});

test('the README\'s error table is the catalogue\'s (run `npm run docs` after changing it)', (t) => {
  t.true(readme.includes(errorTable()));
});

test('the README opens with the two set-up commands, and .ci/run runs the test one', (t) => {
  const commands = [...readme.matchAll(/^```sh\n([^\n]+)\n```/gm)].slice(0, 2).map((m) => m[1]);
  t.deepEqual(commands, ['npm ci && node bin/run.js start', 'npm ci && npm test']);
  t.true(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8').includes(commands[1]!));
});

test('the typed client\'s docs (README and TSDoc) show the four uses issue 6 asks for', (t) => {
  const readmeBlock = /From Node, the typed client[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const tsdoc = /\/\*\*[\s\S]*?```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(ROOT, 'src', 'client', 'index.ts'), 'utf8'))?.[1] ?? '';
  for (const [where, text] of [['README', readmeBlock], ['src/client/index.ts', tsdoc]] as const) {
    for (const use of [/call\('daemon\.status'\)/, /call\('events\.subscribe'/, /call\('logs\.follow'/, /call(<[^>]*>)?\('image-server\.stats'\)/]) {
      t.regex(text, use, `${where}: ${use.source}`);
    }
  }
});
