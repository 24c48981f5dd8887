/**
 * valibot's object and record schemas take an array as an empty object, so `"plugins": []` would
 * quietly mean "no plugins". This walks the raw config beside the schema and names the first place
 * where an array stands for an object.
 */
type Node = { type?: string; wrapped?: Node; entries?: Record<string, Node>; value?: Node };

const OBJECT_TYPES = new Set(['object', 'strict_object', 'loose_object', 'record']);

export function arrayForObject(raw: unknown, schema: unknown, path = ''): string | null {
  const node = unwrap(schema as Node);
  if (!node?.type || !OBJECT_TYPES.has(node.type)) return null;
  if (Array.isArray(raw)) return path || '(root)';
  if (typeof raw !== 'object' || raw === null) return null;
  for (const [key, value] of Object.entries(raw)) {
    const child = node.type === 'record' ? node.value : node.entries?.[key];
    const found = child ? arrayForObject(value, child, path ? `${path}.${key}` : key) : null;
    if (found) return found;
  }
  return null;
}

/** Through optional/nullable wrappers to the schema that decides the shape (a pipe keeps its first schema's type). */
function unwrap(node: Node | undefined): Node | undefined {
  let n = node;
  while (n?.wrapped) n = n.wrapped;
  return n;
}
