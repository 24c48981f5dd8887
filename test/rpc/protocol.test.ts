import test from 'ava';
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { RawSession } from '../helpers/raw-socket.js';
import type { ExecutionContext } from 'ava';

const noPlugins = { plugins: {} };

async function session(t: ExecutionContext, d: TestDaemon): Promise<RawSession> {
  const s = await RawSession.open(d.paths.socket);
  t.teardown(() => s.close());
  return s;
}

/** After every error case the daemon must still answer everyone. */
async function stillAnswers(t: ExecutionContext, d: TestDaemon): Promise<void> {
  const s = await session(t, d);
  s.send('{"jsonrpc":"2.0","id":"alive","method":"daemon.status"}\n');
  const reply = await s.next();
  t.is(reply.id, 'alive');
  t.is(reply.result.pid, d.pid);
}

test('each JSON-RPC error case gets the spec\'s code, and the daemon keeps answering', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const s = await session(t, d);
  const cases: Array<[string, number, RegExp?]> = [
    ['{"jsonrpc":"2.0","id":1,"method":', -32700],
    ['not json at all', -32700],
    ['{"jsonrpc":"2.0","id":2}', -32600],
    ['{"jsonrpc":"1.0","id":3,"method":"daemon.status"}', -32600],
    ['[]', -32600],
    ['{"jsonrpc":"2.0","id":4,"method":"no.such"}', -32601, /method not found: no\.such/],
    ['{"jsonrpc":"2.0","id":5,"method":"daemon.status","params":{"x":1}}', -32602, /params\.x: unknown field/],
    ['{"jsonrpc":"2.0","id":6,"method":"plugins.start","params":{}}', -32602, /params\.name/],
    ['{"jsonrpc":"2.0","id":7,"method":"plugins.start","params":{"name":7}}', -32602, /params\.name: must be a string/],
    ['{"jsonrpc":"2.0","id":8,"method":"logs.tail","params":{"lines":"many"}}', -32602, /params\.lines/],
    ['{"jsonrpc":"2.0","id":9,"method":"logs.tail","params":[1,2]}', -32602],
    // Found by test/fuzz: these got no answer at all, or were run.
    ['null', -32600, /a request must be an object/],
    ['{"jsonrpc":"2.0","id":{"a":1},"method":"daemon.status"}', -32600, /"id" must be a string, a number or null/],
    ['{"jsonrpc":"2.0","id":10,"method":5}', -32600, /"method" must be a string/],
    ['{"jsonrpc":"2.0","id":11,"method":"daemon.stop","params":[]}', -32602, /params: must be an object \(named params\), not an array/],
    ['{"jsonrpc":"2.0","id":12,"method":', -32700, /parse error: /],
  ];
  for (const [line, code, message] of cases) {
    s.send(`${line}\n`);
    const reply = await s.next();
    t.is(reply.error?.code, code, line);
    if (message) t.regex(reply.error.message, message, line);
    t.is(reply.jsonrpc, '2.0');
  }
  await stillAnswers(t, d);
});

test('batches answer every request in one array; notifications get no answer', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const s = await session(t, d);
  s.send(`${JSON.stringify([
    { jsonrpc: '2.0', id: 1, method: 'daemon.status' },
    { jsonrpc: '2.0', method: 'daemon.status' },
    { jsonrpc: '2.0', id: 2, method: 'no.such' },
    { jsonrpc: '2.0', id: 3, method: 'rpc.methods' },
  ])}\n`);
  const reply = await s.next();
  t.true(Array.isArray(reply));
  t.deepEqual(reply.map((r: { id: number }) => r.id).sort(), [1, 2, 3]);
  t.is(reply.find((r: { id: number }) => r.id === 2).error.code, -32601);
  // A batch of one is answered with an array of one; an invalid element gets its own error.
  s.send('[{"jsonrpc":"2.0","id":"only","method":"daemon.status"}]\n');
  const one = await s.next();
  t.true(Array.isArray(one));
  t.is(one[0].id, 'only');
  s.send('[null,{"jsonrpc":"2.0","id":"ok","method":"plugins.list"}]\n');
  const mixed = await s.next();
  t.deepEqual(mixed.map((r: { id: unknown; error?: { code: number } }) => [r.id, r.error?.code ?? null]), [[null, -32600], ['ok', null]]);
  // A lone notification: nothing comes back, and the next request's answer is the next line.
  s.send('{"jsonrpc":"2.0","method":"daemon.status"}\n{"jsonrpc":"2.0","id":"after","method":"daemon.status"}\n');
  t.is((await s.next()).id, 'after');
});

test('a line over the size limit gets an error and its connection is closed; others are served', async (t) => {
  const d = await startTestDaemon(t, { config: { ...noPlugins, rpc: { maxLineBytes: '64KiB' } } });
  const bystander = await session(t, d);
  const s = await session(t, d);
  s.send(`{"jsonrpc":"2.0","id":1,"method":"daemon.status","params":{"pad":"${'x'.repeat(70 * 1024)}"}}\n`);
  const reply = await s.next();
  t.is(reply.error.code, -32600);
  t.regex(reply.error.message, /exceeds the 65536-byte line limit/);
  await s.waitClosed();
  bystander.send('{"jsonrpc":"2.0","id":2,"method":"daemon.status"}\n');
  t.is((await bystander.next()).id, 2);
  await stillAnswers(t, d);
});

test('200 concurrent clients are all answered correctly', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const clients = await Promise.all(Array.from({ length: 200 }, () => d.client()));
  const results = await Promise.all(clients.map(async (c, i) => {
    const calls = await Promise.all(Array.from({ length: 10 }, () => c.call('daemon.status')));
    return calls.every((s) => s.pid === d.pid) ? i : -1;
  }));
  t.deepEqual(results, clients.map((_, i) => i));
  const status = await clients[0]!.call('daemon.status');
  t.true(status.rpc.connections >= 200);
  for (const c of clients.slice(1)) c.close();
  // Closed clients are forgotten: only the one still open remains.
  const deadline = Date.now() + 10_000;
  let connections = Infinity;
  while (Date.now() < deadline && connections > 1) connections = (await clients[0]!.call('daemon.status')).rpc.connections;
  t.is(connections, 1);
});

test('a client that half-closes after its request still gets the answer', async (t) => {
  const d = await startTestDaemon(t, { config: noPlugins });
  const s = await session(t, d);
  s.socket.end('{"jsonrpc":"2.0","id":"last","method":"daemon.status"}\n');
  t.is((await s.next()).id, 'last');
  await s.waitClosed();
});
