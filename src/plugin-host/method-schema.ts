import { createRequire } from 'node:module';
import type { OutputUnit, SchemaDraft, Validator } from '@cfworker/json-schema';
import { formatIssues, type SchemaIssue } from '../config/issues.js';
import { META_SCHEMA } from './meta-schema.js';

type JsonSchemaLib = typeof import('@cfworker/json-schema');

/** A compiled params schema: the one-line problems of `params` (`params.name: must be a string`), or null. */
export type ParamsCheck = (params: unknown) => string | null;

let lib: JsonSchemaLib | null = null;
let meta: Validator | null = null;

// Required on first use, synchronously (ctx.rpc is synchronous): a host whose plugin declares no
// schema never loads it. @cfworker/json-schema interprets schemas instead of generating code
// (ajv's `new Function`), which costs a host about 1 MB of RSS and 5 ms against ajv's 11 MB and 60 ms.
function jsonSchema(): JsonSchemaLib {
  lib ??= createRequire(import.meta.url)('@cfworker/json-schema') as JsonSchemaLib;
  return lib;
}

/**
 * Compile a method's declared params schema. Throws an Error whose message says what is wrong
 * with the schema itself (an unknown keyword, a value of the wrong type, a bad regex, a $ref
 * that resolves nowhere), so that the plugin fails at start rather than at its first call.
 */
export function compileParamsSchema(declared: Record<string, unknown>): ParamsCheck {
  const problem = schemaProblem(declared);
  if (problem !== null) throw new Error(problem);
  const { Validator } = jsonSchema();
  // The validator marks the schema's objects; the declaration itself goes to rpc.methods untouched.
  const validator = new Validator(structuredClone(declared), draftOf(declared), false);
  return (params) => {
    const result = validator.validate(params);
    return result.valid ? null : formatIssues(toIssues(result.errors, 'unknown field'), 'params');
  };
}

/** What makes `declared` not a JSON Schema the validator can run, or null. */
export function schemaProblem(declared: unknown): string | null {
  const { Validator, dereference } = jsonSchema();
  meta ??= new Validator(META_SCHEMA, '2020-12', false);
  const result = meta.validate(declared);
  if (!result.valid) return formatIssues(toIssues(result.errors, 'unknown keyword'));
  const copy = structuredClone(declared);
  let lookup: Record<string, unknown>;
  try { lookup = dereference(copy as never); } catch (e) { return (e as Error).message; }
  const unresolved = refsOf(copy).find((ref) => !(ref.absolute in lookup));
  return unresolved ? `$ref ${JSON.stringify(unresolved.ref)} resolves to no schema in the declaration` : null;
}

const DRAFTS: Array<[RegExp, SchemaDraft]> = [[/draft-04/, '4'], [/draft-07/, '7'], [/2019-09/, '2019-09']];

/** The draft a schema's `$schema` names; 2020-12 when it names none. */
function draftOf(declared: Record<string, unknown>): SchemaDraft {
  const uri = typeof declared['$schema'] === 'string' ? declared['$schema'] : '';
  return DRAFTS.find(([pattern]) => pattern.test(uri))?.[1] ?? '2020-12';
}

/** Every $ref under `root`, with the absolute URI dereference() gave it. */
function refsOf(root: unknown): Array<{ ref: string; absolute: string }> {
  const found: Array<{ ref: string; absolute: string }> = [];
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    const marked = value as { $ref?: unknown; __absolute_ref__?: string };
    if (typeof marked.$ref === 'string' && marked.__absolute_ref__) found.push({ ref: marked.$ref, absolute: marked.__absolute_ref__ });
    stack.push(...Object.values(value));
  }
  return found;
}

// Units that only say "something below failed": the units after them say what.
const WRAPPERS = new Set(['$ref', '$recursiveRef', 'properties', 'patternProperties', 'additionalProperties', 'unevaluatedProperties',
  'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', 'allOf', 'if', 'dependentSchemas']);
// Units whose sub-units are the failures of every alternative tried: the unit alone is clearer.
const SUMMARIES = new Set(['anyOf', 'oneOf', 'not', 'contains', 'propertyNames']);

/**
 * The validator's output as one issue per problem, in the form the core's own params errors
 * take: the path of the field, and what it must be.
 */
function toIssues(units: readonly OutputUnit[], unknownProperty: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  let skipUnder: string | null = null;
  units.forEach((unit, i) => {
    if (skipUnder !== null && unit.keywordLocation.startsWith(skipUnder)) return;
    skipUnder = SUMMARIES.has(unit.keyword) ? `${unit.keywordLocation}/` : null;
    if (WRAPPERS.has(unit.keyword)) return;
    const path = pointerPath(unit.instanceLocation);
    const previous = units[i - 1]?.keyword;
    const { message, key } = describeUnit(unit, previous === 'additionalProperties' || previous === 'unevaluatedProperties' ? unknownProperty : 'is not allowed');
    const issue = { message, path: key === undefined ? path : [...path, key] };
    const text = `${issue.path.join('.')}\0${message}`;
    if (!seen.has(text)) { seen.add(text); issues.push(issue); }
  });
  return issues;
}

/** `#/tags/1` → ['tags', '1'] (the validator encodes each segment as a URI-escaped JSON Pointer token). */
function pointerPath(location: string): string[] {
  return location.split('/').slice(1).map((token) => {
    let decoded = token;
    try { decoded = decodeURIComponent(token); } catch { /* keep it as it is */ }
    return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

function describeUnit(unit: OutputUnit, falseSchema: string): { message: string; key?: string } {
  const text = unit.error;
  const limit = /(-?[\d.e+]+)\.$/.exec(text)?.[1] ?? '?';
  const inside = /\((\d+) [<>] (\d+)\)\.$/.exec(text)?.[2] ?? '?';
  switch (unit.keyword) {
    case 'false': return { message: falseSchema };
    case 'type': return { message: `must be ${orList((/Expected "(.*)"\.$/.exec(text)?.[1] ?? '').split('", "').map(withArticle))}` };
    case 'required': {
      const key = /required property "(.*)"\.$/.exec(text)?.[1];
      return key === undefined ? { message: text } : { message: 'is required', key };
    }
    case 'const': return { message: `must be ${/^Instance does not match (.*)\.$/.exec(text)?.[1] ?? 'the constant'}` };
    case 'enum': return { message: `must be one of ${listOf(/any of (.*)\.$/.exec(text)?.[1])}` };
    case 'minimum': return { message: `must be ${text.includes('or equal to') ? '>' : '>='} ${limit}` };
    case 'maximum': return { message: `must be ${text.includes('or equal to') ? '<' : '<='} ${limit}` };
    case 'exclusiveMinimum': return { message: `must be > ${limit}` };
    case 'exclusiveMaximum': return { message: `must be < ${limit}` };
    case 'multipleOf': return { message: `must be a multiple of ${limit}` };
    case 'minLength': return { message: `must be at least ${inside} characters long` };
    case 'maxLength': return { message: `must be at most ${inside} characters long` };
    case 'minItems': return { message: `must have at least ${inside} items` };
    case 'maxItems': return { message: `must have at most ${inside} items` };
    case 'uniqueItems': return { message: `must not repeat items (${text.replace(/^Duplicate items at indexes (\d+) and (\d+)\.$/, '$1 and $2 are equal')})` };
    case 'pattern': return { message: 'must match its pattern' };
    case 'format': return { message: `must be a valid ${/format "(.*)"\.$/.exec(text)?.[1] ?? 'value'}` };
    case 'anyOf': return { message: 'must match at least one of its allowed schemas' };
    case 'oneOf': return { message: `must match exactly one of its allowed schemas (${/\((\d+) matches\)/.exec(text)?.[1] ?? '?'} match)` };
    case 'not': return { message: 'must not match its excluded schema' };
    case 'propertyNames': return { message: `has a property name that is not allowed: ${/name (".*") does/.exec(text)?.[1] ?? '?'}` };
    default: return { message: text.replace(/^Instance /, '').replace(/\.$/, '') };
  }
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function listOf(json: string | undefined): string {
  try { return (JSON.parse(json ?? '') as unknown[]).map((v) => JSON.stringify(v)).join(', '); } catch { return json ?? '?'; }
}
