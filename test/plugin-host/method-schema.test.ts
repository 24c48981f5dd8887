import test from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { compileParamsSchema, schemaProblem } from '../../src/plugin-host/method-schema.js';
import { BUNDLED_IMAGE_SERVER } from '../../src/package-info.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('a plugin method\'s declared params schema is enforced before its handler runs', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: { 'typed-params': { module: fixture('typed-params') } } } });
  const client = await d.client();
  t.deepEqual(await client.call('typed-params.greet', { name: 'you' }), { message: 'hello, you!' });
  const typo = await t.throwsAsync(client.call('typed-params.greet', { nam: 'you' }));
  t.is(typo!.message, 'invalid params for typed-params.greet: params.nam: unknown field');
  t.is((typo as unknown as { rpcCode: number }).rpcCode, -32602);
  const wrongType = await t.throwsAsync(client.call('typed-params.greet', { name: 5, times: 0 }));
  t.is(wrongType!.message, 'invalid params for typed-params.greet: params.name: must be a string; params.times: must be >= 1');
  t.is(await client.call('typed-params.calls'), 1, 'the handler ran only for the valid call');
  const cli = await ctl(['rpc', 'typed-params.greet', '{"name":5}', '--home', d.home]);
  t.is(cli.code, 2);
  t.is(cli.stderr.trim(), 'ctl: invalid params for typed-params.greet: params.name: must be a string');
});

test('a params schema that is not a valid JSON Schema fails the plugin\'s start, naming the method', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'invalid-params-schema': { module: fixture('invalid-params-schema') } } });
  t.teardown(() => endDaemon(home, { graceful: true }));
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.regex(err!.message, /invalid-params-schema: cannot expose method "greet": its params schema is invalid: properties\.name\.type: must be /);
});

test('schemaProblem names what makes a declared schema invalid, and accepts valid ones', (t) => {
  t.is(schemaProblem({ tpye: 'object' }), 'tpye: unknown keyword');
  t.is(schemaProblem({ type: 'object', additionalProperty: false }), 'additionalProperty: unknown keyword');
  t.is(schemaProblem({ properties: { id: { pattern: '(' } } }), 'properties.id.pattern: must be a valid regex');
  t.is(schemaProblem({ required: 'name' }), 'required: must be an array');
  t.is(schemaProblem({ properties: { a: { $ref: '#/$defs/a' } } }), '$ref "#/$defs/a" resolves to no schema in the declaration');
  t.is(schemaProblem({ type: 'object', 'x-note': 1, $defs: { a: { type: 'string' } }, properties: { a: { $ref: '#/$defs/a' } }, required: ['a'] }), null);
  const check = compileParamsSchema({ type: 'object', required: ['id'], properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, mode: { enum: ['a', 'b'] } } });
  t.is(check({ id: 1, tags: ['x'], mode: 'a' }), null);
  t.is(check({ tags: ['x', 2], mode: 'c' }), 'params.id: is required; params.tags.1: must be a string; params.mode: must be one of "a", "b"');
  t.is(check([]), 'params: must be an object');
});

test('rpc.methods and ctl rpc --schema carry a plugin method\'s declared result schema; image-server.stats declares its shape', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {
    'typed-params': { module: fixture('typed-params') },
    'image-server': { module: BUNDLED_IMAGE_SERVER, config: { port: 0 } },
  } } });
  const client = await d.client();
  const methods = await client.call('rpc.methods');
  const greetResult = { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] };
  t.deepEqual(methods.find((m) => m.name === 'typed-params.greet')?.result, greetResult);
  t.deepEqual(methods.find((m) => m.name === 'typed-params.calls')?.result, {}, 'undeclared: any result');
  const stats = methods.find((m) => m.name === 'image-server.stats')?.result as { properties?: Record<string, unknown> } | undefined;
  t.deepEqual(Object.keys(stats?.properties ?? {}).sort(), ['bytes', 'cache', 'inFlight', 'requests', 'status', 'thumbnails']);
  t.is(compileParamsSchema(stats!)(await client.call('image-server.stats')), null, 'the stats answer matches its declared schema');
  const openrpc = JSON.parse((await ctl(['rpc', '--schema', '--home', d.home])).stdout) as { methods: Array<{ name: string; result: { schema: unknown } }> };
  t.deepEqual(openrpc.methods.find((m) => m.name === 'typed-params.greet')?.result.schema, greetResult);
});
