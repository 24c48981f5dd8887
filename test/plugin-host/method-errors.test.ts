import test from 'ava';
import type { AgentdError } from '../../src/errors/index.js';
import { fixture, startTestDaemon } from '../helpers/daemon.js';
import { waitUntil } from '../helpers/proc.js';

test('a failing method handler: the caller gets one JSON-RPC error, the stack lands in the plugin log, and the plugin goes on serving', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'throwing-methods': { module: fixture('throwing-methods') } } } });
  const client = await d.client();
  const { pid } = await client.call<{ pid: number }>('throwing-methods.ping');
  const failure = async (method: string) => (await t.throwsAsync(client.call(`throwing-methods.${method}`))) as AgentdError;

  // A typed error is the plugin's own answer: its code and message reach the caller as they are.
  const typed = await failure('typed');
  t.is(typed.code, 'E_PLUGIN_NOT_FOUND');
  t.is(typed.rpcCode, -32040);
  t.regex(typed.message, /^no plugin named "ghost"/);

  const own = await failure('own');
  t.like(own, { code: 'E_QUOTA', rpcCode: -32010, message: 'quota used up; try tomorrow', data: { left: 0 } });
  // A reserved code is not passed on; the plugin's own code and message are.
  t.like(await failure('lying'), { code: 'E_LYING', rpcCode: -32052, message: 'not a parse error' });

  // Anything else is a failure of the method, named, with what was thrown in words.
  const expected: Record<string, string> = {
    plain: 'throwing-methods.plain failed: plain failure',
    rejects: 'throwing-methods.rejects failed: async failure',
    object: 'throwing-methods.object failed: {"reason":"not an Error","retry":false}',
    text: 'throwing-methods.text failed: just text',
  };
  for (const [method, message] of Object.entries(expected)) {
    const e = await failure(method);
    t.is(e.code, 'E_PLUGIN_METHOD_FAILED', method);
    t.is(e.rpcCode, -32052, method);
    t.is(e.message, message);
  }

  t.deepEqual(await client.call('throwing-methods.ping'), { pid }, 'the same process goes on serving');
  const [row] = await client.call('plugins.list');
  t.is(row!.restarts, 0);

  // The author's way to find the line that threw: the stack, at level error, in the plugin's log,
  // a line per entry (as `ctl logs` shows them), without agentd's own frames.
  // A typed error is an answer, not a bug: it is not logged.
  const logged = async () => (await client.call('logs.tail', { plugin: 'throwing-methods', lines: 100 })).lines.filter((e) => e.level === 'error').map((e) => e.message ?? '');
  const heads = (lines: string[]) => lines.filter((l) => !l.startsWith('    at '));
  await waitUntil(async () => heads(await logged()).length >= 4, 10_000, 'four failures logged');
  const lines = await logged();
  t.deepEqual(heads(lines), [
    'throwing-methods.plain failed: Error: plain failure',
    'throwing-methods.rejects failed: TypeError: async failure',
    'throwing-methods.object failed: {"reason":"not an Error","retry":false}',
    'throwing-methods.text failed: just text',
  ]);
  const plainFrames = lines.slice(1, lines.indexOf('throwing-methods.rejects failed: TypeError: async failure'));
  t.regex(plainFrames[0] ?? '', /^ {4}at .*throwing-methods\.ts:9:/, 'the line that threw');
  t.deepEqual(plainFrames.filter((f) => /plugin-host|node:/.test(f)), [], 'no frames of agentd or Node');
});
