import fs from 'node:fs';
import path from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome, tempHome } from '../helpers/home.js';
import { processesMentioning } from '../helpers/proc.js';

async function refusedStart(t: ExecutionContext, config: unknown): Promise<string> {
  const home = tempHome(t);
  writeConfig(home, config);
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.is(lockHolder(homePaths(home).pidfile), 0, 'no daemon left holding the lock');
  t.deepEqual(processesMentioning(home), [], 'no process left behind');
  return err!.message;
}

test('a plugin config error names the field from the top of the config', async (t) => {
  const message = await refusedStart(t, { plugins: { 'config-check': { module: fixture('config-check'), config: { port: 70000 } } } });
  t.regex(message, /^invalid config \/.*\/agentd\.config\.json: plugins\.config-check\.config\.port: must be <= 65535$/);
});

test('a validate() that throws is reported under the plugin\'s name, as a failure checking its config', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'validate-throws.ts');
  fs.writeFileSync(file, "import { definePlugin } from 'agentd';\nexport default definePlugin({ name: 'validate-throws', defaults: {}, validate() { throw new Error('no config today'); }, start() {} });\n");
  const message = await refusedStart(t, { plugins: { 'validate-throws': { module: file } } });
  t.regex(message, /plugin validate-throws: start failed: checking its config: no config today/);
});

test('without a schema, unknown plugin config fields are refused', async (t) => {
  const message = await refusedStart(t, { plugins: { forever: { module: fixture('forever'), config: { tga: 'x' } } } });
  t.regex(message, /^invalid config \/.*\/agentd\.config\.json: plugins\.forever\.config\.tga: unknown field$/);
});

test('a module whose declared name differs from its config key is refused', async (t) => {
  const message = await refusedStart(t, { plugins: { other: { module: fixture('forever') } } });
  t.regex(message, /plugin other: \/.*\/forever\.ts declares the name "forever"; make the config key and the name match/);
});

test('a definePlugin() with a missing or mistyped field is refused naming the plugin, the file and the field', async (t) => {
  const home = tempHome(t);
  const shapes = {
    nameless: "{ defaults: {}, start() {} }",
    'bad-defaults': "{ name: 'bad-defaults', defaults: 5, start() {} }",
    'bad-start': "{ name: 'bad-start', defaults: {}, start: 'soon' }",
    'no-defaults': "{ name: 'no-defaults', start() {} }",
  };
  const refusals = await Promise.all(Object.entries(shapes).map(([name, shape]) => {
    const file = path.join(home, `${name}.ts`);
    fs.writeFileSync(file, `import { definePlugin } from 'agentd';\nexport default definePlugin(${shape} as never);\n`);
    return refusedStart(t, { plugins: { [name]: { module: file, config: { port: 1 } } } }).then((message) => ({ message, file }));
  }));
  const [nameless, badDefaults, badStart, noDefaults] = refusals;
  t.true(nameless!.message.includes(`plugin nameless: ${nameless!.file}: definePlugin() field "name" is missing; set it to the plugin's key under \`plugins\``), nameless!.message);
  t.true(badDefaults!.message.includes(`plugin bad-defaults: ${badDefaults!.file}: definePlugin() field "defaults" must be an object of settings (\`{}\` for none), not a number`), badDefaults!.message);
  // Without defaults a plugin has no settings: the config's are unknown fields, not a crash.
  t.regex(noDefaults!.message, /plugins\.no-defaults\.config\.port: unknown field$/);
  t.true(badStart!.message.includes(`plugin bad-start: ${badStart!.file}: definePlugin() field "start" must be a function, not a string`), badStart!.message);
});

test('reserved plugin names are refused at load', async (t) => {
  const message = await refusedStart(t, { plugins: { daemon: { module: fixture('forever') } } });
  t.regex(message, /plugins\.daemon: the name is reserved/);
});

test('a module that throws as it is imported is refused with the line that threw', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'top-throw.ts');
  fs.writeFileSync(file, "import { definePlugin } from 'agentd';\nthrow new Error('not today');\nexport default definePlugin({ name: 'top-throw', defaults: {}, start() {} });\n");
  const message = await refusedStart(t, { plugins: { 'top-throw': { module: file } } });
  t.is(message, `plugin top-throw: cannot load module: not today (at ${file}:2:7)`);
});

test('a module that is not a plugin, or does not exist, is refused with a clear error', async (t) => {
  const home = tempHome(t);
  fs.writeFileSync(path.join(home, 'not-a-plugin.ts'), 'export default { name: "not-a-plugin" };\n');
  const shape = await refusedStart(t, { plugins: { 'not-a-plugin': { module: path.join(home, 'not-a-plugin.ts') } } });
  t.regex(shape, /has no definePlugin\(\) default export/);
  const missing = await refusedStart(t, { plugins: { ghost: { module: '/nonexistent/ghost' } } });
  t.regex(missing, /plugin ghost: \/nonexistent\/ghost does not exist/);
  const crash = await refusedStart(t, { plugins: { 'crash-on-start': { module: fixture('crash-on-start') } } });
  t.regex(crash, /crash-on-start: deliberate failure/);
});

test('plugin methods work over the socket and are listed by rpc.methods', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { forever: { module: fixture('forever') } } } });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  t.deepEqual(await client.call('forever.ping'), { pid: row!.pid, tag: 'forever', instance: 0 });
  const methods = await client.call('rpc.methods');
  const ping = methods.find((m) => m.name === 'forever.ping');
  t.is(ping?.plugin, 'forever');
  t.is(ping?.summary, 'Answer with the plugin process pid.');
  t.truthy(methods.find((m) => m.name === 'daemon.status' && !m.plugin));
  const missing = await t.throwsAsync(client.call('forever.nope'));
  t.regex(missing!.message, /method not found: forever\.nope/);
  await client.call('plugins.stop', { name: 'forever' });
  const stopped = await t.throwsAsync(client.call('forever.ping'));
  t.is(stopped!.message, 'plugin forever is stopped, not running; `ctl plugins start forever` starts it');
  t.is((stopped as unknown as { code: string }).code, 'E_PLUGIN_NOT_RUNNING');
});

test('a TypeScript plugin in the user\'s own directory loads without a build step', async (t) => {
  const home = makeTempHome();
  fs.writeFileSync(path.join(home, 'hello.ts'), [
    "import { definePlugin } from 'agentd';",
    "interface Greeting { greeting: string }",
    "export default definePlugin<Greeting>({ name: 'hello', defaults: { greeting: 'hi' }, start(ctx) {",
    "  ctx.rpc('greet', (): string => `${ctx.config.greeting} from ${ctx.name}`);",
    '} });',
  ].join('\n'));
  const d = await startTestDaemon(t, { home, config: { plugins: { hello: { module: './hello.ts', config: { greeting: 'hello' } } } } });
  t.teardown(() => removeTempHome(home));
  t.is(await (await d.client()).call('hello.greet'), 'hello from hello');
});

test('a plugin creates files under its umask: the core\'s 077 by default, or the one its config gives', async (t) => {
  const home = tempHome(t);
  for (const name of ['private', 'shared']) {
    fs.writeFileSync(path.join(home, `${name}.ts`), [
      "import fs from 'node:fs';",
      "import { definePlugin } from 'agentd';",
      `export default definePlugin({ name: '${name}', defaults: {}, start(ctx) {`,
      `  fs.writeFileSync(ctx.home + '/${name}.out', 'x');`,
      "} });",
    ].join('\n'));
  }
  await startTestDaemon(t, { home, config: { plugins: { private: { module: './private.ts' }, shared: { module: './shared.ts', umask: '022' } } } });
  t.is(fs.statSync(path.join(home, 'private.out')).mode & 0o777, 0o600);
  t.is(fs.statSync(path.join(home, 'shared.out')).mode & 0o777, 0o644);
});

test('ctx.rpc and ctx.health after the plugin is ready throw, instead of exposing nothing silently', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'late-method': { module: fixture('late-method') } } } });
  const client = await d.client();
  const tooLate = 'the plugin is ready already; call it from start() (before ctx.ready(), with manual readiness)';
  t.deepEqual(await client.call('late-method.try-late'), {
    rpc: `plugin late-method: cannot expose method "late": ${tooLate}`,
    health: `plugin late-method: cannot expose method "health": ${tooLate}`,
  });
  const missing = await t.throwsAsync(client.call('late-method.late'));
  t.regex(missing!.message, /method not found: late-method\.late/);
});
