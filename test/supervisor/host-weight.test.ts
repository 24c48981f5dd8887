import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { cmdline, descendants, isGone, processGroupMembers, waitUntil } from '../helpers/proc.js';

// What a plugin host carries beyond its plugin: the TypeScript loader only where a plugin needs it
// (TypeScript is compiled ahead unless it uses what a compiled module cannot keep), and no esbuild
// service once the plugin is loaded.

/** The core's idle spare hosts (their command line says so until a plugin is given to them). */
function spares(corePid: number): number[] {
  return processGroupMembers().filter((p) => p.ppid === corePid && cmdline(p.pid).includes('--spare')).map((p) => p.pid);
}

function esbuildUnder(pid: number): number[] {
  return descendants(pid).filter((p) => cmdline(p).includes('esbuild') && cmdline(p).includes('--service'));
}

/** A TypeScript plugin that imports a computed specifier, which only tsx can resolve from its source. */
const NEEDS_TSX = [
  "import { definePlugin } from 'agentd';",
  'const named = (n: string): string => `./${n}.ts`;',
  "export default definePlugin({ name: 'dynamic', defaults: {}, start(ctx) {",
  "  ctx.rpc('ping', async () => ({ pid: process.pid, value: (await import(named('value'))).value as string }));",
  '  const timer = setInterval(() => {}, 60_000);',
  '  return () => clearInterval(timer);',
  '} });',
].join('\n');

const PLAIN_JS = [
  "import { definePlugin } from 'agentd';",
  '/** A plugin in plain JavaScript: answers plain.ping with its pid. */',
  "export default definePlugin({ name: 'plain', defaults: {}, start(ctx) {",
  "  ctx.rpc('ping', () => process.pid);",
  '  const timer = setInterval(() => {}, 60_000);',
  '  return () => clearInterval(timer);',
  '} });',
].join('\n');

test('spares load the TypeScript loader only while a plugin needs it, and serve every kind', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  fs.writeFileSync(path.join(d.home, 'plain.mjs'), PLAIN_JS);
  fs.writeFileSync(path.join(d.home, 'dynamic.ts'), NEEDS_TSX);
  fs.writeFileSync(path.join(d.home, 'value.ts'), "export const value: string = 'through tsx';\n");
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const killAndServeAgain = async (name: string, ping: () => Promise<number>) => {
    const first = await ping();
    const mark = events.events.length;
    process.kill(first, 'SIGKILL');
    await events.state(name, 'running', 30_000, mark);
    t.not(await ping(), first, `${name} serves again from a new process`);
  };

  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).length === 1, 30_000, 'a spare host');
  const [jsSpare] = spares(d.pid);
  t.false(cmdline(jsSpare!).includes('--typescript'), 'a JavaScript-only config: the spare is prepared without tsx');
  await killAndServeAgain('plain', async () => await client.call('plain.ping') as number);

  // A TypeScript plugin that compiles ahead needs no loader either: the spare stays as it is.
  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' }, forever: { module: fixture('forever') } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).length === 1, 30_000, 'a spare host');
  t.false(cmdline(spares(d.pid)[0]!).includes('--typescript'), 'compiled TypeScript: the spare is prepared without tsx');
  await killAndServeAgain('forever', async () => (await client.call('forever.ping') as { pid: number }).pid);

  // One that needs tsx: the spare is replaced by one prepared with it.
  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' }, forever: { module: fixture('forever') }, dynamic: { module: './dynamic.ts' } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).some((p) => cmdline(p).includes('--typescript')), 30_000, 'a spare prepared for TypeScript');
  t.true(isGone(jsSpare!) || !spares(d.pid).includes(jsSpare!), 'the spare without tsx was replaced');
  t.is((await client.call('dynamic.ping') as { value: string }).value, 'through tsx');
  await killAndServeAgain('dynamic', async () => (await client.call('dynamic.ping') as { pid: number }).pid);

  // That plugin removed again: back to a spare without tsx.
  writeConfig(d.home, { plugins: { plain: { module: './plain.mjs' }, forever: { module: fixture('forever') } } });
  await client.call('daemon.reload');
  await waitUntil(() => spares(d.pid).length === 1 && !cmdline(spares(d.pid)[0]!).includes('--typescript'), 30_000, 'a spare without tsx again');
});

test('esbuild\'s service does not outlive the load of a plugin through tsx, and comes back when the plugin imports more TypeScript', async (t) => {
  // Files of this test's own home, so tsx's disk cache cannot have them: esbuild has to run. In
  // the config from the start (a reload would check the plugin first, in a host of its own, and
  // that host would fill the cache). The computed import sends the plugin to tsx.
  const home = tempHome(t);
  fs.writeFileSync(path.join(home, 'later.ts'), `export const answer: number = 42; // ${home}\n`);
  fs.writeFileSync(path.join(home, 'background.ts'), `export const value: string = 'compiled'; // ${home}\n`);
  fs.writeFileSync(path.join(home, 'fresh.ts'), [
    "import { definePlugin } from 'agentd';",
    `// ${home}`,
    // Still compiling when the module has loaded and the host asks for esbuild to be stopped.
    "const background = import('./background.ts');",
    "export default definePlugin({ name: 'fresh', defaults: {}, start(ctx) {",
    "  ctx.rpc('background', async (): Promise<string> => (await background).value);",
    "const named = (n: string): string => `./${n}.ts`;",
    "  ctx.rpc('later', async (): Promise<number> => (await import(named('later'))).answer);",
    '  const timer = setInterval(() => {}, 60_000);',
    '  return () => clearInterval(timer);',
    '} });',
  ].join('\n'));
  const d = await startTestDaemon(t, { home, config: { plugins: { fresh: { module: './fresh.ts' } } } });
  const client = await d.client();
  const [row] = await client.call('plugins.list');
  t.is(row!.state, 'running');
  t.regex(fs.readFileSync(path.join(home, 'logs', 'fresh.log'), 'utf8'), /loaded through tsx: it imports a computed specifier/);
  const host = row!.pid!;
  await waitUntil(() => esbuildUnder(host).length === 0, 30_000, 'no esbuild service under the plugin host');
  t.is(await client.call('fresh.background'), 'compiled', 'a TypeScript import begun while the plugin loaded completes');
  // A TypeScript import after the release still compiles (esbuild starts again on demand).
  t.is(await client.call('fresh.later'), 42);
  t.is((await client.call('plugins.list'))[0]!.pid, host, 'the same host, still running');
});
