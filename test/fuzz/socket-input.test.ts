import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { exchange, replyProblems } from '../helpers/fuzz.js';
import { rssOf } from '../helpers/proc.js';
import { checkProperty } from '../helpers/property.js';
import { RawSession } from '../helpers/raw-socket.js';

/**
 * Whatever arrives on the control socket, the core answers with well-formed JSON-RPC (or nothing,
 * for a notification), never with -32603, closes a half-closed connection once it has answered,
 * and goes on serving: after every property it still answers daemon.status, as the same process.
 * Each input goes on its own connection (see exchange()).
 */

const config = { plugins: { forever: { module: fixture('forever') } } };
const figures = { inputs: 0, crashes: 0 };

/** A method name: the core's (but never daemon.stop, nor the two that stream), a plugin's, or anything. */
const methodName = fc.oneof(
  fc.constantFrom('daemon.status', 'daemon.reload', 'logs.rotate', 'logs.reopen', 'logs.tail', 'plugins.list', 'plugins.start',
    'plugins.stop', 'plugins.restart', 'plugins.reload', 'plugins.scale', 'rpc.methods', 'forever.ping', 'forever.nope', 'nope.nope'),
  fc.string({ maxLength: 30 }),
);
const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.constant(null), fc.double(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
/** Objects shaped more or less like requests: each field right, wrong or missing. */
const requestish = fc.record({
  jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('2.0'), fc.constant('1.0'), fc.jsonValue({ maxDepth: 1 })),
  id,
  method: fc.oneof(methodName, methodName, fc.jsonValue({ maxDepth: 1 })),
  params: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.constantFrom('name', 'lines', 'plugin', 'types', 'instances', 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
  result: fc.jsonValue({ maxDepth: 1 }),
}, { requiredKeys: [] });

async function stillServing(t: ExecutionContext, d: TestDaemon, what: string): Promise<void> {
  const s = await RawSession.open(d.paths.socket);
  try {
    s.send(`{"jsonrpc":"2.0","id":"alive","method":"daemon.status"}\n`);
    const reply = await s.next(30_000);
    const same = reply.result?.pid === d.pid && lockHolder(d.paths.pidfile) === d.pid;
    if (!same) figures.crashes++;
    t.true(same, `after ${what}: the same core answers and holds its lock`);
  } catch (e) {
    figures.crashes++;
    t.fail(`after ${what}: the core does not answer (${(e as Error).message})`);
  } finally {
    s.close();
  }
}

/** Run `payloads` as a property: each input gets well-formed replies and its connection closed. */
async function fuzz<T>(t: ExecutionContext, d: TestDaemon, what: string, arb: fc.Arbitrary<T>, toPayload: (v: T) => string | Buffer, numRuns: number): Promise<void> {
  const run = await checkProperty(t, fc.asyncProperty(arb, async (value) => {
    figures.inputs++;
    const { lines, trailing } = await exchange(d.paths.socket, toPayload(value));
    const problems = replyProblems(lines);
    if (trailing !== '') problems.push(`an unterminated reply: ${trailing.slice(0, 100)}`);
    if (problems.length > 0) throw new Error(problems.slice(0, 3).join('; '));
  }), { numRuns, endOnFailure: true });
  t.log(`${what}: ${run.tried} inputs`);
  await stillServing(t, d, what);
}

test.serial('random bytes, invalid UTF-8, any JSON, request-shaped junk, deep nesting and huge numbers', async (t) => {
  t.timeout(5 * 60_000);
  const d = await startTestDaemon(t, { config });
  const rssBefore = rssOf(d.pid)!;
  await fuzz(t, d, 'random bytes', fc.uint8Array({ maxLength: 4096 }), (b) => Buffer.concat([Buffer.from(b), Buffer.from('\n')]), 300);
  const invalidUtf8 = fc.constantFrom([0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], [0xe2, 0x82], [0xf0, 0x9f]);
  await fuzz(t, d, 'invalid UTF-8', fc.tuple(fc.constantFrom(
    '{"jsonrpc":"2.0","id":1,"method":"daemon.status@"}',
    '{"jsonrpc":"2.0","id":"@","method":"logs.tail","params":{"plugin":"@"}}',
    '{"jsonrpc":"2.0","id":2,"method":"forever.ping","params":{"@":"@"}}',
    '{"jsonrpc":"2.0","id":3,"method":"plugins.start","params":{"name":"fore@ver"}}',
    '[{"jsonrpc":"2.0","id":4,"method":"@"},{"jsonrpc":"2.0","id":5,"method":"rpc.methods"}]',
    '{"jsonrpc":"2.0@","id":6,"method":"daemon.status"}',
  ), invalidUtf8), ([template, bytes]) => {
    const [a, ...rest] = template.split('@');
    return Buffer.concat([Buffer.from(a!), ...rest.flatMap((r) => [Buffer.from(bytes), Buffer.from(r)]), Buffer.from('\n')]);
  }, 200);
  await fuzz(t, d, 'any JSON value', fc.jsonValue({ maxDepth: 5 }), (v) => `${JSON.stringify(v)}\n`, 300);
  await fuzz(t, d, 'request-shaped objects', requestish, (v) => `${JSON.stringify(v)}\n`, 500);
  await fuzz(t, d, 'batches of them', fc.array(requestish, { minLength: 0, maxLength: 30 }), (v) => `${JSON.stringify(v)}\n`, 200);
  await fuzz(t, d, 'several lines at once, the last one unterminated', fc.array(requestish, { minLength: 1, maxLength: 10 }), (v) => v.map((r) => JSON.stringify(r)).join('\n'), 100);
  // Far deeper than any stack: in every position a request has, and as the whole line.
  const nest = (depth: number, kind: 'array' | 'object') => (kind === 'array' ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
  await fuzz(t, d, 'deep nesting (up to 100k levels)', fc.tuple(
    fc.integer({ min: 1_000, max: 100_000 }),
    fc.constantFrom('array' as const, 'object' as const),
    fc.constantFrom('line', 'batch', 'params', 'param', 'plugin-params', 'id', 'method', 'jsonrpc'),
  ), ([depth, kind, where]) => {
    const deep = nest(depth, kind);
    const lines: Record<string, string> = {
      line: deep,
      batch: `[${deep},{"jsonrpc":"2.0","id":1,"method":"daemon.status"}]`,
      params: `{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":${deep}}`,
      param: `{"jsonrpc":"2.0","id":1,"method":"logs.tail","params":{"plugin":${deep}}}`,
      'plugin-params': `{"jsonrpc":"2.0","id":1,"method":"forever.ping","params":{"x":${deep}}}`,
      id: `{"jsonrpc":"2.0","id":${deep},"method":"daemon.status"}`,
      method: `{"jsonrpc":"2.0","id":1,"method":${deep}}`,
      jsonrpc: `{"jsonrpc":${deep},"id":1,"method":"daemon.status"}`,
    };
    return `${lines[where]}\n`;
  }, 40);
  const hugeNumber = fc.oneof(
    fc.constantFrom('1e308', '-1e308', '1e309', '-1e400', '1e-400', '-0', '0.0000000000000000000000000001', '9007199254740993', '-9007199254740993'),
    fc.integer({ min: 20, max: 5000 }).map((n) => '9'.repeat(n)),
    fc.integer({ min: 20, max: 5000 }).map((n) => `-${'1'.repeat(n)}.${'5'.repeat(n)}e${n}`),
  );
  await fuzz(t, d, 'huge numbers', fc.tuple(hugeNumber, fc.constantFrom('id', 'lines', 'instances', 'name', 'batch-id')), ([n, where]) => {
    const lines: Record<string, string> = {
      id: `{"jsonrpc":"2.0","id":${n},"method":"daemon.status"}`,
      lines: `{"jsonrpc":"2.0","id":1,"method":"logs.tail","params":{"lines":${n}}}`,
      instances: `{"jsonrpc":"2.0","id":1,"method":"plugins.scale","params":{"name":"nope","instances":${n}}}`,
      name: `{"jsonrpc":"2.0","id":1,"method":"plugins.start","params":{"name":${n}}}`,
      'batch-id': `[{"jsonrpc":"2.0","id":${n},"method":"plugins.list"}]`,
    };
    return `${lines[where]}\n`;
  }, 200);
  const rssAfter = rssOf(d.pid)!;
  t.log(`inputs ${figures.inputs}, crashes ${figures.crashes}, core RSS ${mb(rssBefore)} -> ${mb(rssAfter)} MB`);
  t.is(figures.crashes, 0);
});

test.serial('10 MB lines: an error, the connection closed, everyone else served', async (t) => {
  const d = await startTestDaemon(t, { config });
  const bystander = await RawSession.open(d.paths.socket);
  t.teardown(() => bystander.close());
  const big = 10 * 1024 * 1024;
  const rssBefore = rssOf(d.pid)!;
  const payloads: Array<[string, Buffer]> = [
    ['a 10 MB string param', Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":{"pad":"${'x'.repeat(big)}"}}\n`)],
    ['10 MB of random bytes, then a newline', Buffer.concat([randomNoNewline(big), Buffer.from('\n')])],
    ['10 MB with no newline at all', randomNoNewline(big)],
    ['a 10 MB batch', Buffer.from(`[${Array.from({ length: big / 50 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"daemon.status"}`).join(',')}]\n`)],
  ];
  for (const [what, payload] of payloads) {
    figures.inputs++;
    const { lines } = await exchange(d.paths.socket, payload);
    t.is(lines.length, 1, `${what}: one reply`);
    const reply = JSON.parse(lines[0]!) as { id: null; error: { code: number; message: string } };
    t.is(reply.error.code, -32600, what);
    t.regex(reply.error.message, /exceeds the 1048576-byte line limit; the connection is closed/);
    bystander.send(`{"jsonrpc":"2.0","id":"${what}","method":"daemon.status"}\n`);
    t.is((await bystander.next(30_000)).id, what, `${what}: a bystander is served`);
  }
  await stillServing(t, d, '10 MB lines');
  t.log(`core RSS ${mb(rssBefore)} -> ${mb(rssOf(d.pid)!)} MB after ${payloads.length} lines of 10 MB`);
});

test.serial('a batch of 10,000 requests in one line is answered in full; one whose replies would pass rpc.maxBufferedBytes (8 MiB) is cut off cleanly', async (t) => {
  t.timeout(3 * 60_000);
  const d = await startTestDaemon(t, { config });
  const rssBefore = rssOf(d.pid)!;
  const batch = (method: string) => `[${Array.from({ length: 10_000 }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"${method}"}`).join(',')}]\n`;
  const status = batch('daemon.status');
  t.true(status.length < 1024 * 1024, `${status.length} bytes: under the line limit`);
  figures.inputs++;
  const { lines } = await exchange(d.paths.socket, status, 120_000);
  t.is(lines.length, 1);
  const replies = JSON.parse(lines[0]!) as Array<{ id: number; result?: { pid: number } }>;
  t.deepEqual(replies.map((r) => r.id), Array.from({ length: 10_000 }, (_, i) => i), 'every request answered once, in order');
  t.true(replies.every((r) => r.result?.pid === d.pid));
  t.log(`10,000 daemon.status in one line (${Math.round(status.length / 1024)} KB): reply ${Math.round(lines[0]!.length / 1024)} KB`);
  // rpc.methods answers ~25 KB each: 10,000 of them would be a reply of hundreds of MB.
  figures.inputs++;
  const heavy = await exchange(d.paths.socket, batch('rpc.methods'), 120_000);
  t.deepEqual(replyProblems(heavy.lines), []);
  const cut = JSON.parse(heavy.lines[0]!) as Array<{ id: number; result?: unknown; error?: { code: number; message: string } }>;
  t.deepEqual(cut.map((r) => r.id), Array.from({ length: 10_000 }, (_, i) => i), 'every request has an answer');
  const answered = cut.filter((r) => r.result !== undefined).length;
  t.true(answered > 100 && answered < 10_000, `${answered} answered before the budget ran out`);
  // Those past the budget either ran (their reply did not fit) or were not run at all.
  const refused = cut.filter((r) => r.result === undefined);
  t.true(refused.every((r) => r.error?.code === -32600 && /(reply is over|not run: the batch's replies passed) the 8388608-byte limit/.test(r.error.message)));
  t.true(refused.some((r) => /not run/.test(r.error?.message ?? '')));
  // The budget, plus the short "not run" error of each request left over.
  t.true(heavy.lines[0]!.length <= 8 * 1024 * 1024 + 10_000 * 300, `the reply line is ${(heavy.lines[0]!.length / 1048576).toFixed(1)} MB`);
  t.log(`10,000 rpc.methods in one line: ${answered} answered (${(heavy.lines[0]!.length / 1048576).toFixed(1)} MB), the rest not run`);
  // 10,000 notifications: nothing to answer, and the connection closes.
  figures.inputs++;
  const quiet = await exchange(d.paths.socket, `[${Array.from({ length: 10_000 }, () => '{"jsonrpc":"2.0","method":"plugins.list"}').join(',')}]\n`, 120_000);
  t.deepEqual(quiet.lines, []);
  await stillServing(t, d, 'the 10k batches');
  t.log(`core RSS ${mb(rssBefore)} -> ${mb(rssOf(d.pid)!)} MB`);
});

function randomNoNewline(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 0x20 + ((i * 7919) % 90);
  return b;
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
