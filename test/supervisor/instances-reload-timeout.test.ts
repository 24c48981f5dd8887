import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';
import { httpLoad, untilServed } from '../helpers/http-load.js';
import { cmdline, descendants } from '../helpers/proc.js';

test('a reload whose new process never becomes ready: the old ones keep serving and the error says so', async (t) => {
  const home = tempHome(t);
  const marker = path.join(home, 'hang');
  // Serves its pid; while the marker exists a new process never becomes ready.
  fs.writeFileSync(path.join(home, 'hanger.ts'), [
    "import fs from 'node:fs';",
    "import http from 'node:http';",
    "import { definePlugin } from 'agentd';",
    "export default definePlugin({ name: 'hanger', defaults: { marker: '' }, async start(ctx) {",
    "  if (fs.existsSync(ctx.config.marker)) await new Promise(() => {});",
    "  const server = http.createServer((_q, r) => r.end(`${process.pid}\\n`));",
    "  const address = await ctx.listen(server, { host: '127.0.0.1', port: 0 });",
    "  ctx.rpc('address', () => address);",
    "  return () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); });",
    "} });",
  ].join('\n'));
  const d = await startTestDaemon(t, { home, config: { plugins: { hanger: { module: './hanger.ts', instances: 2, startTimeout: '1s', config: { marker } } } } });
  const client = await d.client();
  const before = (await client.call('plugins.list')).map((r) => r.pid!);
  const { port } = await client.call<{ port: number }>('hanger.address');
  const load = httpLoad(port, 4, 20_000);
  await untilServed(load, 20);
  fs.writeFileSync(marker, '');
  const err = await t.throwsAsync(client.call('plugins.reload', { name: 'hanger' }));
  t.like(err, { code: 'E_PLUGIN_RELOAD_FAILED' });
  t.regex(err!.message, /^hanger not reloaded: plugin hanger#0: not ready within its start timeout of 1000 ms; .*; still on the old process: hanger#0, hanger#1 \(see `ctl logs hanger`\)$/);
  const rows = await client.call('plugins.list');
  t.deepEqual(rows.map((r) => [r.state, r.pid]), before.map((pid) => ['running', pid]));
  const served = load.peek().ok;
  await untilServed(load, served + 20);
  const result = await load.stop();
  t.is(result.failed, 0, result.errors.slice(0, 5).join(', '));
  t.deepEqual([...result.byPid.keys()].sort(), before.map(String).sort(), 'only the old processes served');
  const hosts = descendants(d.pid).filter((pid) => cmdline(pid).includes('hanger'));
  t.deepEqual(hosts.sort(), [...before].sort(), 'the replacement that never became ready was killed');
});
