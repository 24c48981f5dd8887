import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import fc from 'fast-check';
import { ctl } from '../helpers/cli.js';
import { EventRecorder } from '../helpers/events.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { assertDaemonHealthy, assertTickerIntact, tickerEntry } from '../helpers/faults.js';
import { checkProperty } from '../helpers/property.js';

const TOP_LEVEL = new Set(['$schema', 'logs', 'rpc', 'plugins']);

/**
 * Config files that must never be applied: bytes that are not UTF-8 JSON, a valid config cut
 * short or with a key given twice, JSON that is not an object, objects with an unknown top-level
 * field, valid JSON nested far deeper than any config, and a few shapes that are wrong in one field.
 */
function garbage(valid: string): fc.Arbitrary<Buffer> {
  const text = (s: string) => Buffer.from(s, 'utf8');
  return fc.oneof(
    fc.uint8Array({ minLength: 0, maxLength: 4096 }).map((b) => Buffer.concat([Buffer.from([0xff]), Buffer.from(b)])),
    fc.integer({ min: 0, max: valid.length - 2 }).map((n) => text(valid.slice(0, n))),
    fc.oneof(fc.array(fc.jsonValue({ maxDepth: 3 })), fc.string(), fc.double(), fc.boolean(), fc.constant(null)).map((v) => text(JSON.stringify(v))),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 5 })
      .filter((o) => Object.keys(o).some((k) => !TOP_LEVEL.has(k)))
      .map((o) => text(JSON.stringify(o))),
    // The valid config with a key given twice: JSON.parse alone would take it.
    fc.constantFrom('"logs":{},"logs":{},', '"rpc":{},"rpc":{},').map((twice) => text(valid.replace(/^\s*\{/, `{${twice}`))),
    fc.integer({ min: 1_000, max: 200_000 }).map((depth) => text(`{"plugins":{"forever":{"module":"x","config":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}}}`)),
    fc.constantFrom(
      '{"plugins":{"forever":{"module":5}}}',
      '{"plugins":{"Forever":{"module":"x"}}}',
      '{"plugins":{"daemon":{"module":"x"}}}',
      '{"logs":{"keep":-1}}',
      '{"rpc":{"maxLineBytes":"lots"}}',
      '{"plugins":{"forever":{"module":"x","restart":"sometimes"}}}',
      '\u0000\u0000\u0000',
      '',
    ).map(text),
  );
}

test('a config file replaced by garbage: every reload is refused, the running config and plugins stay, the daemon answers', async (t) => {
  t.timeout(4 * 60_000);
  const config = { plugins: { forever: { module: fixture('forever') }, 'http-echo': { module: fixture('http-echo') }, 'log-ticker': tickerEntry } };
  const d = await startTestDaemon(t, { config });
  const client = await d.client();
  const events = await EventRecorder.attach(client);
  const valid = fs.readFileSync(path.join(d.home, 'agentd.config.json'), 'utf8');
  const before = (await client.call('plugins.list')).map((p) => [p.name, p.pid, p.state]);
  let tried = 0;
  const codes = new Map<string, number>();
  const run = await checkProperty(t, fc.asyncProperty(garbage(valid), async (bytes) => {
    tried++;
    fs.writeFileSync(path.join(d.home, 'agentd.config.json'), bytes);
    const error = await client.call('daemon.reload').then(() => null, (e: { code?: string; message: string }) => e);
    if (error === null) return false;
    codes.set(error.code ?? '?', (codes.get(error.code ?? '?') ?? 0) + 1);
    // Refused as a config problem, naming the file or the field — never an internal error.
    if (!['E_CONFIG_INVALID', 'E_CONFIG_UNREADABLE'].includes(error.code ?? '')) throw new Error(`${error.code}: ${error.message}`);
    const after = (await client.call('plugins.list')).map((p) => [p.name, p.pid, p.state]);
    return JSON.stringify(after) === JSON.stringify(before);
  }), { numRuns: 60, endOnFailure: true });
  if (run.failure) return;
  // The same through the CLI: exit 78 (EX_CONFIG), one line that names the file.
  fs.writeFileSync(path.join(d.home, 'agentd.config.json'), crypto.randomBytes(64 * 1024));
  const cli = await ctl(['reload', '--home', d.home]);
  t.is(cli.code, 78);
  t.regex(cli.stderr, /^ctl: cannot load config .*agentd\.config\.json: not valid JSON/);
  t.is(cli.stderr.trim().split('\n').length, 1, 'one line');
  t.falsy(events.events.find((e) => e.type === 'daemon.reload'), 'no reload was applied');
  t.deepEqual((await client.call('plugins.list')).map((p) => [p.name, p.pid, p.state]), before);
  await assertDaemonHealthy(t, d);
  // A good file again: the next reload applies it, relative to the config that stayed.
  fs.writeFileSync(path.join(d.home, 'agentd.config.json'), JSON.stringify({ plugins: { forever: config.plugins.forever, 'log-ticker': tickerEntry } }));
  const reloaded = await client.call('daemon.reload');
  t.deepEqual(reloaded.removed, ['http-echo']);
  t.deepEqual(reloaded.unchanged, ['forever', 'log-ticker']);
  await assertTickerIntact(t, d, client);
  t.log(`${tried + 1} garbage configs refused (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')}, E_CONFIG_UNREADABLE 1 by ctl)`);
});
