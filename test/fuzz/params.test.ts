import test from 'ava';
import fc from 'fast-check';
import { coreMethods } from '../../src/rpc/index.js';
import { startTestDaemon } from '../helpers/daemon.js';
import { exchange, replyProblems } from '../helpers/fuzz.js';
import { rssOf } from '../helpers/proc.js';
import { checkProperty } from '../helpers/property.js';
import { RawSession } from '../helpers/raw-socket.js';

/**
 * Every core method, called with every kind of wrong value for each of its params — generated from
 * the method's own valibot schema, the one the server validates with — answers -32602 naming the
 * field, never -32603, and never runs. Params as a whole of a wrong type, and unknown fields, too.
 */

interface Schema { type: string; wrapped?: Schema; entries?: Record<string, Schema>; pipe?: Array<{ type: string; kind: string; requirement?: unknown }>; item?: Schema; options?: unknown[] }

/** JSON types: the ones a schema accepts are left out of its wrong values. */
type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
const ofType: Record<JsonType, fc.Arbitrary<unknown>> = {
  string: fc.string({ maxLength: 20 }),
  number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
  boolean: fc.boolean(),
  null: fc.constant(null),
  array: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
};

function unwrap(s: Schema): { base: Schema; optional: boolean; nullable: boolean } {
  let optional = false;
  let nullable = false;
  while (s.type === 'optional' || s.type === 'nullable' || s.type === 'nullish') {
    if (s.type !== 'nullable') optional = true;
    if (s.type !== 'optional') nullable = true;
    s = s.wrapped!;
  }
  return { base: s, optional, nullable };
}

/** The JSON types a schema accepts. */
function accepted(s: Schema): Set<JsonType> {
  const { base, nullable } = unwrap(s);
  const types = new Set<JsonType>(nullable ? ['null'] : []);
  switch (base.type) {
    case 'string': case 'picklist': case 'literal': types.add('string'); break;
    case 'number': types.add('number'); break;
    case 'boolean': types.add('boolean'); break;
    case 'array': types.add('array'); break;
    case 'object': case 'strict_object': case 'loose_object': case 'record': types.add('object'); break;
    case 'union': for (const o of base.options as Schema[]) for (const t of accepted(o)) types.add(t); break;
    default: throw new Error(`no wrong-value generator for schema type ${base.type}`);
  }
  return types;
}

/** Values of the right type that break a constraint of the schema (empty strings, out-of-range and fractional numbers…). */
function outOfRange(s: Schema): fc.Arbitrary<unknown> | null {
  const { base } = unwrap(s);
  const pipe = base.pipe ?? [];
  const options: Array<fc.Arbitrary<unknown>> = [];
  for (const a of pipe) {
    if (a.type === 'min_length') options.push(fc.constant(''));
    if (a.type === 'integer') options.push(fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)));
    if (a.type === 'min_value') options.push(fc.integer({ max: (a.requirement as number) - 1 }));
    if (a.type === 'max_value') options.push(fc.integer({ min: (a.requirement as number) + 1 }));
  }
  if (base.type === 'array' && base.item) {
    const item = outOfRange(base.item) ?? fc.constantFrom(...[...wrongTypes(base.item)]).chain((t) => ofType[t]);
    options.push(fc.array(item, { minLength: 1, maxLength: 3 }));
  }
  if (base.type === 'picklist') options.push(fc.string().filter((x) => !(base.options as string[]).includes(x)));
  return options.length ? fc.oneof(...options) : null;
}

function wrongTypes(s: Schema): JsonType[] {
  const ok = accepted(s);
  return (Object.keys(ofType) as JsonType[]).filter((t) => !ok.has(t));
}

/** Valid values for required params, so that only the field under test is wrong. Names match no plugin. */
function validFor(field: string): unknown {
  return field === 'name' ? 'no-such-plugin' : field === 'instances' ? 1 : 'x';
}

interface Case { method: string; field: string; params: unknown }

/** For one method: a wrong value of each field, params of a wrong type, and an unknown field. */
function casesFor(method: (typeof coreMethods)[number]): fc.Arbitrary<Case> {
  const params = method.params as unknown as Schema;
  const { base } = unwrap(params);
  const entries = base.entries ?? {};
  const required = Object.entries(entries).filter(([, s]) => !unwrap(s).optional).map(([k]) => k);
  const filled = Object.fromEntries(required.map((k) => [k, validFor(k)]));
  const arbs: Array<fc.Arbitrary<Case>> = [];
  for (const [field, schema] of Object.entries(entries)) {
    const bad = [fc.constantFrom(...wrongTypes(schema)).chain((t) => ofType[t])];
    const range = outOfRange(schema);
    if (range) bad.push(range);
    arbs.push(fc.oneof(...bad).map((value) => ({ method: method.name, field: `params.${field}`, params: { ...filled, [field]: value } })));
  }
  arbs.push(fc.constantFrom(...wrongTypes(params)).chain((t) => ofType[t]).map((value) => ({ method: method.name, field: 'params', params: value })));
  arbs.push(fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')).filter((k) => !Object.hasOwn(entries, k))
    .chain((key) => fc.jsonValue({ maxDepth: 2 }).map((value) => ({ method: method.name, field: `params.${key}`, params: { ...filled, [key]: value } }))));
  return fc.oneof(...arbs);
}

test('every core method refuses every wrong param type with -32602 naming the field', async (t) => {
  t.timeout(4 * 60_000);
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  const rssBefore = rssOf(d.pid)!;
  let inputs = 0;
  const byMethod = new Map<string, number>();
  const arb = fc.oneof(...coreMethods.map((m) => casesFor(m)));
  const run = await checkProperty(t, fc.asyncProperty(arb, async (c) => {
    inputs++;
    byMethod.set(c.method, (byMethod.get(c.method) ?? 0) + 1);
    const { lines } = await exchange(d.paths.socket, `${JSON.stringify({ jsonrpc: '2.0', id: inputs, method: c.method, params: c.params })}\n`);
    const problems = replyProblems(lines);
    if (problems.length) throw new Error(problems.join('; '));
    const reply = JSON.parse(lines[0] ?? 'null') as { error?: { code: number; message: string } } | null;
    if (reply?.error?.code !== -32602) throw new Error(`${c.method} ${JSON.stringify(c.params)}: expected -32602, got ${JSON.stringify(reply).slice(0, 300)}`);
    // The field itself (`params.lines: …`) or an element of it (`params.types.0: …`).
    if (!reply.error.message.includes(`${c.field}:`) && !reply.error.message.includes(`${c.field}.`)) throw new Error(`${c.method}: the message does not name ${c.field}: ${reply.error.message}`);
  }), { numRuns: 3000, endOnFailure: true });
  t.deepEqual([...byMethod.keys()].sort(), coreMethods.map((m) => m.name).sort(), 'every method was tried');
  // Nothing ran: in particular daemon.stop did not stop the daemon.
  const s = await RawSession.open(d.paths.socket);
  t.teardown(() => s.close());
  s.send('{"jsonrpc":"2.0","id":"alive","method":"daemon.status"}\n');
  const status = await s.next(30_000);
  t.is(status.result?.pid, d.pid);
  t.log(`inputs ${run.tried} over ${byMethod.size} methods (${[...byMethod].map(([m, n]) => `${m} ${n}`).join(', ')}); core RSS ${(rssBefore / 1048576).toFixed(1)} -> ${(rssOf(d.pid)! / 1048576).toFixed(1)} MB`);
});
