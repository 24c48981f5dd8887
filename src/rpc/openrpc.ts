import type { MethodInfo } from './wire-types.js';

/**
 * An OpenRPC 1.3 document (https://spec.open-rpc.org) for the control socket, built from
 * `rpc.methods`: what code generators and API explorers read. Params are by name; each property of
 * a method's params schema becomes one content descriptor. Notification streams, which OpenRPC has
 * no field for, are listed under `x-notifications`.
 */
export function toOpenRpc(methods: readonly MethodInfo[], info: { version: string; socket: string }): Record<string, unknown> {
  return {
    openrpc: '1.3.2',
    info: {
      title: 'agentd control socket',
      version: info.version,
      description: 'JSON-RPC 2.0 over a Unix socket, one message per line. Application errors use codes -32000..-32099 with data.code.',
    },
    servers: [{ name: 'agentd', url: `unix://${info.socket}` }],
    methods: methods.map((m) => ({
      name: m.name,
      summary: m.summary,
      paramStructure: 'by-name',
      params: paramsOf(m.params),
      result: { name: `${m.name}.result`, schema: m.result ?? {} },
      ...(m.plugin ? { tags: [{ name: `plugin:${m.plugin}` }] } : {}),
      ...(m.streams ? { 'x-streams': m.streams } : {}),
    })),
    'x-notifications': {
      event: 'Sent after events.subscribe: { type, at, plugin?, instance?, from?, to?, pid?, … }',
      log: 'Sent after logs.follow: a log line as an object, with source',
    },
  };
}

/** The object schema (possibly inside anyOf with null) of a method's params, as content descriptors. */
function paramsOf(schema: Record<string, unknown>): Array<Record<string, unknown>> {
  const object = (schema['anyOf'] as Array<Record<string, unknown>> | undefined)?.find((s) => s['type'] === 'object') ?? schema;
  const properties = (object['properties'] ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((object['required'] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    required: required.has(name),
    ...(typeof s['description'] === 'string' ? { description: s['description'] } : {}),
    schema: s,
  }));
}
