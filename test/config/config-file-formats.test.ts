import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl, startInHome } from '../helpers/cli.js';
import { fixture } from '../helpers/daemon.js';

// The README: `agentd.config.json` (`.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts` with a default export are accepted too);
// one the home holds is never passed over for the built-in demo.
for (const [file, source] of [
  ['agentd.config.ts', (module: string) => `const config: { plugins: Record<string, { module: string }> } = { plugins: { forever: { module: ${JSON.stringify(module)} } } };\nexport default config;\n`],
  ['agentd.config.js', (module: string) => `export default { plugins: { forever: { module: ${JSON.stringify(module)} } } };\n`],
  ['agentd.config.mjs', (module: string) => `export default { plugins: { forever: { module: ${JSON.stringify(module)} } } };\n`],
  ['agentd.config.cjs', (module: string) => `module.exports = { plugins: { forever: { module: ${JSON.stringify(module)} } } };\n`],
  ['agentd.config.mts', (module: string) => `const config: { plugins: object } = { plugins: { forever: { module: ${JSON.stringify(module)} } } };\nexport default config;\n`],
  ['agentd.config.cts', (module: string) => `const config: { plugins: object } = { plugins: { forever: { module: ${JSON.stringify(module)} } } };\nexport default config;\n`],
] as const) {
  test(`${file} with a default export, in a home with no package.json, is the config`, async (t) => {
    const { home, started } = await startInHome(t, { [file]: source(fixture('forever')) });
    t.is(started.code, 0, started.stderr);
    const status = JSON.parse((await ctl(['status', '--home', home, '--json'])).stdout) as { config: string; plugins: { name: string; state: string }[] };
    t.is(status.config, path.join(home, file));
    t.deepEqual(status.plugins.map((p) => [p.name, p.state]), [['forever', 'running']]);
    t.is((await ctl(['stop', '--home', home])).code, 0);
  });
}

test('agentd.config.json saved with a byte order mark is the config', async (t) => {
  const { home, started } = await startInHome(t, { 'agentd.config.json': `\uFEFF${JSON.stringify({ plugins: { forever: { module: fixture('forever') } } })}` });
  t.is(started.code, 0, started.stderr);
  const status = JSON.parse((await ctl(['status', '--home', home, '--json'])).stdout) as { plugins: { name: string; state: string }[] };
  t.deepEqual(status.plugins.map((p) => [p.name, p.state]), [['forever', 'running']]);
  t.is((await ctl(['stop', '--home', home])).code, 0);
});

// One line naming the file and the line, whatever V8's message would have said (it gives an
// offset into a JSON text at best, no location in an ES module's SyntaxError, and a throw's
// location only in a stack nobody sees).
for (const [file, text, expected] of [
  ['agentd.config.json', '{\n  // the demo\n  "plugins": {}\n}\n', 'not valid JSON: line 2, column 3: JSON does not support comments (a config with comments can be agentd.config.js or .ts)'],
  ['agentd.config.json', '{\n  "plugins": {\n    "a": { "module": "./a.js" },\n  }\n}\n', 'not valid JSON: line 3, column 32: JSON does not support trailing commas'],
  ['agentd.config.json', '{\n  "plugins": {\n    "a": { "module": ./a.js }\n  }\n}\n', 'not valid JSON: line 3, column 22: Unexpected "." in JSON'],
  ['agentd.config.json', '\n', 'not valid JSON: the file is empty; write the config object ({ "plugins": { … } }) or remove the file'],
  ['agentd.config.js', 'export default {\n  plugins: {}\n  oops\n};\n', "line 3, column 3: Unexpected identifier 'oops'"],
  ['agentd.config.js', 'module.exports = {\n  plugins: {}\n  oops\n};\n', "line 3: Unexpected identifier 'oops'"],
  ['agentd.config.ts', 'const plugins: object = {};\nexport default {\n  plugins\n  oops\n};\n', 'line 4, column 3: Expected "}" but found "oops"'],
  ['agentd.config.js', 'const home = process.env.NOPE;\nif (!home) throw new Error("set NOPE");\nexport default {};\n', 'set NOPE (thrown at line 2, column 18)'],
] as const) {
  test(`${file} refused with "${expected}", exit 78`, async (t) => {
    const { home, started } = await startInHome(t, { [file]: text });
    t.is(started.code, 78);
    t.is(started.stderr.trim(), `ctl: cannot load config ${path.join(home, file)}: ${expected}`);
    t.is(lockHolder(homePaths(home).pidfile), 0);
  });
}

// Only one would be read, and an operator editing another would see nothing happen.
test('a home with agentd.config.json and agentd.config.ts is refused at start, naming both, exit 78', async (t) => {
  const { home, started } = await startInHome(t, { 'agentd.config.json': '{ "plugins": {} }', 'agentd.config.ts': 'export default { plugins: {} };\n' });
  t.is(started.code, 78, started.stdout);
  t.is(started.stderr, `ctl: several config files in ${home}: agentd.config.json, agentd.config.ts; keep one and remove the others (or name one with --config)\n`);
  t.is(lockHolder(homePaths(home).pidfile), 0);
  // Named with --config, one of them is the config: no ambiguity is left.
  const named = await ctl(['start', '--home', home, '--config', path.join(home, 'agentd.config.ts')]);
  t.is(named.code, 0, named.stderr);
  t.is((await ctl(['stop', '--home', home])).code, 0);
});

test('reload is refused when a second config file appears beside the one in use, and the daemon keeps running', async (t) => {
  const { home, started } = await startInHome(t, { 'agentd.config.json': JSON.stringify({ plugins: { forever: { module: fixture('forever') } } }) });
  t.is(started.code, 0, started.stderr);
  fs.writeFileSync(path.join(home, 'agentd.config.js'), 'export default { plugins: {} };\n');
  const reload = await ctl(['reload', '--home', home]);
  t.is(reload.code, 78, reload.stdout);
  t.is(reload.stderr, `ctl: several config files in ${home}: agentd.config.json, agentd.config.js; keep one and remove the others (or name one with --config)\n`);
  const status = JSON.parse((await ctl(['status', '--home', home, '--json'])).stdout) as { plugins: { name: string; state: string }[] };
  t.deepEqual(status.plugins.map((p) => [p.name, p.state]), [['forever', 'running']]);
  t.is((await ctl(['stop', '--home', home])).code, 0);
});
