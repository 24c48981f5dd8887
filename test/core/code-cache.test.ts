import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startTestDaemon } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { waitUntil } from '../helpers/proc.js';

const noPlugins = { plugins: {} };

/** The codeCache field of the "agentd starting" line of the daemon in `home`. */
function codeCacheOf(home: string): unknown {
  const line = fs.readFileSync(path.join(home, 'agentd.log'), 'utf8').split('\n')
    .filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l['message'] === 'agentd starting');
  return line?.['codeCache'];
}

function cacheFiles(dir: string): string[] {
  try { return fs.readdirSync(path.join(dir, 'agentd')).filter((f) => f.endsWith('.v8cache')); } catch { return []; }
}

function tempCacheHome(t: { teardown(fn: () => void): void }): string {
  const dir = makeTempHome('xc');
  t.teardown(() => removeTempHome(dir));
  return dir;
}

test('the core writes its code cache after the first start and loads through it on the next', async (t) => {
  const cache = tempCacheHome(t);
  const first = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: cache } });
  t.is(codeCacheOf(first.home), 'absent');
  await waitUntil(() => cacheFiles(cache).length === 1, 30_000, 'the code cache file');
  const [file] = cacheFiles(cache);
  t.is(fs.statSync(path.join(cache, 'agentd')).mode & 0o777, 0o700);
  t.is(fs.statSync(path.join(cache, 'agentd', file!)).mode & 0o777, 0o600);
  await first.stop();

  const second = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: cache } });
  t.is(codeCacheOf(second.home), 'used');
  const client = await second.client();
  t.is((await client.call('daemon.status')).pid, second.pid);
  // rpc.methods loads its JSON Schema converter with import(), which code from a cache must reach too.
  t.true((await client.call('rpc.methods')).some((m) => m.name === 'daemon.status' && m.result?.['type'] === 'object'));
  t.deepEqual(cacheFiles(cache), [file]);
});

test('a corrupt code cache is rejected by V8, the core starts anyway and replaces the file', async (t) => {
  const cache = tempCacheHome(t);
  const first = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: cache } });
  await waitUntil(() => cacheFiles(cache).length === 1, 30_000, 'the code cache file');
  await first.stop();
  const file = path.join(cache, 'agentd', cacheFiles(cache)[0]!);
  const good = fs.readFileSync(file);
  fs.writeFileSync(file, Buffer.alloc(good.length, 0x5a));

  const second = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: cache } });
  t.is(codeCacheOf(second.home), 'rejected');
  t.is((await (await second.client()).call('daemon.status')).pid, second.pid);
  await waitUntil(() => fs.readFileSync(file)[0] !== 0x5a, 30_000, 'the cache file rewritten');
});

test('AGENTD_NO_CODE_CACHE=1 and an unwritable cache directory leave the start unchanged', async (t) => {
  const off = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: tempCacheHome(t), AGENTD_NO_CODE_CACHE: '1' } });
  t.is(codeCacheOf(off.home), 'off');
  await off.stop();

  // A file where the directory should be: nothing can be written, every start compiles.
  const blocked = tempCacheHome(t);
  fs.writeFileSync(path.join(blocked, 'agentd'), 'not a directory');
  for (let i = 0; i < 2; i++) {
    const d = await startTestDaemon(t, { config: noPlugins, env: { XDG_CACHE_HOME: blocked } });
    t.is(codeCacheOf(d.home), 'absent');
    t.is((await (await d.client()).call('daemon.status')).pid, d.pid);
    await d.stop();
  }
});
