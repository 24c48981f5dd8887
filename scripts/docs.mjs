#!/usr/bin/env node
// Regenerates the README's tables from their single sources (config schema, error catalogue),
// and the config's JSON Schema for editors (schema/agentd.config.schema.json).
// `npm run docs` writes them; the docs tests fail when either is out of date.
import fs from 'node:fs';
import { configTable } from '../dist/src/config/docs.js';
import { configSchemaFile } from '../dist/src/config/json-schema.js';
import { errorTable } from '../dist/src/errors/docs.js';
import { ConfigSchema as ImageServerConfig } from '../dist/plugins/image-server/config.js';

const readme = new URL('../README.md', import.meta.url);
let text = fs.readFileSync(readme, 'utf8');
for (const [name, table] of [['config-table', configTable()], ['error-table', errorTable()]]) {
  const re = new RegExp(`(<!-- ${name} -->\\n)[\\s\\S]*?(<!-- /${name} -->)`);
  if (!re.test(text)) throw new Error(`README has no <!-- ${name} --> section`);
  text = text.replace(re, `$1${table}\n$2`);
}
fs.writeFileSync(readme, text);

const schemaFile = new URL('../schema/agentd.config.schema.json', import.meta.url);
fs.mkdirSync(new URL('.', schemaFile), { recursive: true });
fs.writeFileSync(schemaFile, configSchemaFile({ 'image-server': ImageServerConfig }));
