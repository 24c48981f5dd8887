import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { cmdline, descendants, isGone, processGroupMembers, waitUntil } from '../helpers/proc.js';

// What a plugin host carries beyond its plugin: the TypeScript loader only where a TypeScript
// plugin can run, and no esbuild service once the plugin is loaded.

/** The core's idle spare hosts (their command line says so until a plugin is given to them). */
function spares(corePid: number): number[] {
  return processGroupMembers().filter((p) => p.ppid === corePid && cmdline(p.pid).includes('--spare')).map((p) => p.pid);
}

function esbuildUnder(pid: number): number[] {
  return descendants(pid).filter((p) => cmdline(p).includes('esbuild') && cmdline(p).includes('--service'));
}

const PLAIN_JS = [
  "import { definePlugin } from 'agentd';",
  '/** A plugin in plain JavaScript: answers plain.ping with its pid. */',
  "export default definePlugin({ name: 'plain', defaults: {}, start(ctx) {",
  "  ctx.rpc('ping', () => process.pid);",
  '  const timer = setInterval(() => {}, 60_000);',
  '  return () => clearInterval(timer);',
  '} });',
].join('\n');

test('spares load the TypeScript loader only while a TypeScript plugin is configured, and serve either kind', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  fs.writeFileSync(path.join(d.home, 'plain.mjs'), PLAIN_JS);
  const client = await d.client();
  const events = await EventRecorder.attach(client);

  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).length === 1, 30_000, 'a spare host');
  const [jsSpare] = spares(d.pid);
  t.false(cmdline(jsSpare!).includes('--typescript'), 'a JavaScript-only config: the spare is prepared without tsx');

  // A JavaScript plugin killed: restarted on that spare, serving again.
  const first = await client.call('plain.ping') as number;
  let mark = events.events.length;
  process.kill(first, 'SIGKILL');
  await events.state('plain', 'running', 30_000, mark);
  t.not(await client.call('plain.ping'), first, 'serving again from a new process');

  // A TypeScript plugin added: the spare is replaced by one prepared with tsx.
  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' }, forever: { module: fixture('forever') } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).some((p) => cmdline(p).includes('--typescript')), 30_000, 'a spare prepared for TypeScript');
  t.true(isGone(jsSpare!) || !spares(d.pid).includes(jsSpare!), 'the spare without tsx was replaced');
  const { pid: tsFirst } = await client.call('forever.ping') as { pid: number };
  mark = events.events.length;
  process.kill(tsFirst, 'SIGKILL');
  await events.state('forever', 'running', 30_000, mark);
  const { pid: tsSecond } = await client.call('forever.ping') as { pid: number };
  t.not(tsSecond, tsFirst, 'the TypeScript plugin serves again from a new process');

  // The TypeScript plugin removed again: back to a spare without tsx.
  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).length === 1 && !cmdline(spares(d.pid)[0]!).includes('--typescript'), 30_000, 'a spare without tsx again');
});

test('esbuild\'s service does not outlive the load of a TypeScript plugin, and comes back when the plugin imports more TypeScript', async (t) => {
  // Files of this test's own home, so tsx's disk cache cannot have them: esbuild has to run. In
  // the config from the start (a reload would check the plugin first, in a host of its own, and
  // that host would fill the cache).
  const home = makeTempHome();
  t.teardown(() => removeTempHome(home));
  fs.writeFileSync(path.join(home, 'later.ts'), `export const answer: number = 42; // ${home}\n`);
  fs.writeFileSync(path.join(home, 'background.ts'), `export const value: string = 'compiled'; // ${home}\n`);
  fs.writeFileSync(path.join(home, 'fresh.ts'), [
    "import { definePlugin } from 'agentd';",
    `// ${home}`,
    // Still compiling when the module has loaded and the host asks for esbuild to be stopped.
    "const background = import('./background.ts');",
    "export default definePlugin({ name: 'fresh', defaults: {}, start(ctx) {",
    "  ctx.rpc('background', async (): Promise<string> => (await background).value);",
    "  ctx.rpc('later', async (): Promise<number> => (await import('./later.ts')).answer);",
    '  const timer = setInterval(() => {}, 60_000);',
    '  return () => clearInterval(timer);',
    '} });',
  ].join('\n'));
  const d = await startTestDaemon(t, { home, config: { plugins: { fresh: { module: './fresh.ts' } } } });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'running');
  const host = row!.pid!;
  await waitUntil(() => esbuildUnder(host).length === 0, 30_000, 'no esbuild service under the plugin host');
  t.is(await client.call('fresh.background'), 'compiled', 'a TypeScript import begun while the plugin loaded completes');
  // A TypeScript import after the release still compiles (esbuild starts again on demand).
  t.is(await client.call('fresh.later'), 42);
  t.is((await client.call('plugins.list'))[0]!.pid, host, 'the same host, still running');
});
