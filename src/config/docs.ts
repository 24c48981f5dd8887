import type * as v from 'valibot';
import { LogsSchema, PluginEntrySchema, RpcSchema } from './schema.js';

type Node = { type?: string; entries?: Record<string, Node>; wrapped?: Node; pipe?: Array<{ type: string; description?: string }>; default?: unknown };

/** The README's settings table, generated from the schema so that it cannot drift from it. */
export function configTable(): string {
  const rows: string[] = ['| setting | default | what it does |', '| --- | --- | --- |'];
  const walk = (schema: Node, prefix: string) => {
    for (const [key, node] of Object.entries(entriesOf(schema) ?? {})) {
      const inner = unwrap(node);
      if (inner.entries && key !== 'config' && key !== 'env') { walk(inner, `${prefix}${key}.`); continue; }
      const def = node.default === undefined ? '—' : `\`${JSON.stringify(node.default)}\``;
      rows.push(`| \`${prefix}${key}\` | ${def} | ${descriptionOf(node) ?? ''} |`);
    }
  };
  walk(LogsSchema as unknown as Node, 'logs.');
  walk(RpcSchema as unknown as Node, 'rpc.');
  walk(PluginEntrySchema as unknown as Node, 'plugins.NAME.');
  return rows.join('\n');
}

function unwrap(node: Node): Node {
  let n = node;
  while (n.wrapped) n = n.wrapped;
  return n;
}

function entriesOf(node: Node): Record<string, Node> | undefined {
  return unwrap(node).entries;
}

function descriptionOf(node: Node | undefined): string | undefined {
  for (let n = node; n; n = n.wrapped) {
    const d = n.pipe?.find((p) => p.type === 'description')?.description;
    if (d) return d;
    for (const p of n.pipe ?? []) {
      const inner = descriptionOf(p as unknown as Node);
      if (inner) return inner;
    }
  }
  return undefined;
}

export type { v };
