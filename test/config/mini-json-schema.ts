/**
 * A small JSON Schema (draft-07) validator for the tests: exactly the keywords our generated
 * schema uses, each by the spec's definition. Any other keyword throws, so the schema cannot
 * grow a keyword that this validator would silently ignore.
 */
type Schema = boolean | { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'definitions', 'examples']);

/** The problems of `value` against `root` (empty when valid), each with its JSON pointer. */
export function validate(root: Schema, value: unknown): string[] {
  return check(root, value, '', root);
}

function check(schema: Schema, value: unknown, at: string, root: Schema): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at || '/'}: no value is allowed here`];
  const errors: string[] = [];
  const fail = (why: string) => errors.push(`${at || '/'}: ${why}`);
  const obj = isObject(value) ? value : null;
  for (const [keyword, arg] of Object.entries(schema)) {
    switch (keyword) {
      case '$ref': errors.push(...check(resolve(root, arg as string), value, at, root)); break;
      case 'type': {
        const types = Array.isArray(arg) ? (arg as string[]) : [arg as string];
        if (!types.some((t) => hasType(value, t))) fail(`not of type ${types.join('|')}`);
        break;
      }
      case 'enum': if (!(arg as unknown[]).some((e) => deepEqual(e, value))) fail(`not one of ${JSON.stringify(arg)}`); break;
      case 'const': if (!deepEqual(arg, value)) fail(`not ${JSON.stringify(arg)}`); break;
      case 'pattern': if (typeof value === 'string' && !new RegExp(arg as string, 'u').test(value)) fail(`does not match ${arg as string}`); break;
      case 'minLength': if (typeof value === 'string' && [...value].length < (arg as number)) fail(`shorter than ${arg as number}`); break;
      case 'maxLength': if (typeof value === 'string' && [...value].length > (arg as number)) fail(`longer than ${arg as number}`); break;
      case 'minimum': if (typeof value === 'number' && value < (arg as number)) fail(`< ${arg as number}`); break;
      case 'maximum': if (typeof value === 'number' && value > (arg as number)) fail(`> ${arg as number}`); break;
      case 'items':
        if (Array.isArray(value)) {
          if (Array.isArray(arg)) throw new Error('tuple "items" is not supported by this validator');
          value.forEach((item, i) => errors.push(...check(arg as Schema, item, `${at}/${i}`, root)));
        }
        break;
      case 'minItems': if (Array.isArray(value) && value.length < (arg as number)) fail(`fewer than ${arg as number} items`); break;
      case 'maxItems': if (Array.isArray(value) && value.length > (arg as number)) fail(`more than ${arg as number} items`); break;
      case 'required': if (obj) for (const key of arg as string[]) if (!(key in obj)) fail(`missing ${key}`); break;
      case 'properties':
        if (obj) for (const [key, sub] of Object.entries(arg as Record<string, Schema>)) if (key in obj) errors.push(...check(sub, obj[key], `${at}/${key}`, root));
        break;
      case 'additionalProperties':
        if (obj) {
          if ('patternProperties' in schema) throw new Error('"patternProperties" is not supported by this validator');
          const declared = Object.keys((schema['properties'] as Record<string, unknown> | undefined) ?? {});
          for (const key of Object.keys(obj)) if (!declared.includes(key)) errors.push(...check(arg as Schema, obj[key], `${at}/${key}`, root));
        }
        break;
      case 'propertyNames': if (obj) for (const key of Object.keys(obj)) errors.push(...check(arg as Schema, key, `${at}/${key} (name)`, root)); break;
      case 'allOf': for (const sub of arg as Schema[]) errors.push(...check(sub, value, at, root)); break;
      case 'anyOf': if (!(arg as Schema[]).some((sub) => check(sub, value, at, root).length === 0)) fail('matches none of anyOf'); break;
      case 'oneOf': {
        const n = (arg as Schema[]).filter((sub) => check(sub, value, at, root).length === 0).length;
        if (n !== 1) fail(`matches ${n} of oneOf, not exactly 1`);
        break;
      }
      case 'not': if (check(arg as Schema, value, at, root).length === 0) fail('matches "not"'); break;
      default:
        if (!ANNOTATIONS.has(keyword)) throw new Error(`keyword "${keyword}" is not supported by this validator`);
    }
  }
  return errors;
}

function resolve(root: Schema, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'null': return value === null;
    case 'boolean': return typeof value === 'boolean';
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'array': return Array.isArray(value);
    case 'object': return isObject(value);
    default: throw new Error(`unknown type ${type}`);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
