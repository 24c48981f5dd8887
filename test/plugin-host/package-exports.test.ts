import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

const esmPlugin = (name: string, via: string) =>
  `import { definePlugin } from 'agentd';\nexport default definePlugin({ name: '${name}', async start(ctx) { ctx.rpc('via', () => '${via}'); } });\n`;
const cjsPlugin = (name: string, via: string) =>
  `const { definePlugin } = require('agentd');\nmodule.exports = definePlugin({ name: '${name}', async start(ctx) { ctx.rpc('via', () => '${via}'); } });\n`;

// A `module` that is a package name loads as import() would load it: the host imports plugins.
test('a plugin package with exports loads: ES-module-only, CommonJS-only, dual (its import side), and a subpath', async (t) => {
  const home = tempHome(t);
  const modules = path.join(home, 'node_modules');
  write(path.join(modules, 'esm-only', 'package.json'), JSON.stringify({ name: 'esm-only', type: 'module', exports: { import: './index.js' } }));
  write(path.join(modules, 'esm-only', 'index.js'), esmPlugin('esm-only', 'import'));
  write(path.join(modules, 'cjs-only', 'package.json'), JSON.stringify({ name: 'cjs-only', exports: { require: './index.cjs' } }));
  write(path.join(modules, 'cjs-only', 'index.cjs'), cjsPlugin('cjs-only', 'require'));
  write(path.join(modules, '@acme', 'dual', 'package.json'), JSON.stringify({
    name: '@acme/dual', exports: { '.': { import: './index.mjs', require: './index.cjs' }, './extra/*': { import: './lib/*.mjs' } },
  }));
  write(path.join(modules, '@acme', 'dual', 'index.mjs'), esmPlugin('dual', 'import'));
  write(path.join(modules, '@acme', 'dual', 'index.cjs'), cjsPlugin('dual', 'require'));
  write(path.join(modules, '@acme', 'dual', 'lib', 'more.mjs'), esmPlugin('more', 'subpath'));
  const daemon = await startTestDaemon(t, {
    home,
    config: { plugins: { 'esm-only': { module: 'esm-only' }, 'cjs-only': { module: 'cjs-only' }, dual: { module: '@acme/dual' }, more: { module: '@acme/dual/extra/more' } } },
  });
  const client = await daemon.client();
  t.deepEqual(
    await Promise.all(['esm-only', 'cjs-only', 'dual', 'more'].map((name) => client.call(`${name}.via`))),
    ['import', 'require', 'import', 'subpath'],
  );
});
