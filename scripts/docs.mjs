#!/usr/bin/env node
// Regenerates the README's tables from their single sources (config schema, error catalogue).
// `npm run docs` writes them; the docs test fails when the README is out of date.
import fs from 'node:fs';
import { configTable } from '../dist/src/config/docs.js';
import { errorTable } from '../dist/src/errors/docs.js';

const readme = new URL('../README.md', import.meta.url);
let text = fs.readFileSync(readme, 'utf8');
for (const [name, table] of [['config-table', configTable()], ['error-table', errorTable()]]) {
  const re = new RegExp(`(<!-- ${name} -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) throw new Error(`README has no <!-- ${name} --> section`);
  text = text.replace(re, `$1${table}\n$2`);
}
fs.writeFileSync(readme, text);
