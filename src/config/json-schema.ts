import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { ConfigSchema, PLUGIN_NAME, RESERVED_PLUGIN_NAMES } from './schema.js';

/**
 * The JSON Schema of agentd.config.json, for editors (`"$schema"` in the file) and other tools,
 * generated from the valibot schema so that the two cannot drift: `npm run docs` writes it to
 * schema/agentd.config.schema.json and a test checks that the committed file is this output.
 *
 * What JSON Schema cannot say is left to the daemon's own validation, which always runs: a plugin
 * config's cross-field rules (image-server: maxFileBytes <= maxBytes) and facts about the disk (its
 * `root` must be an existing directory).
 */

/** A duration string, as parseDuration reads it: "0", "50us", "250ms", "1.5s", "10m", "2h", "1d" (any case). */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*([uUmM][sS]|[sSmMhHdD])|0+(\\.0+)?)\\s*$';
/** A size string, as parseSize reads it: "512", "10MB", "1.5 GiB", "64k" (any case). */
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG]([bB]|[iI][bB])?)?\\s*$';

type AnySchema = v.GenericSchema;
type Piped = AnySchema & { pipe?: ReadonlyArray<{ type: string; kind?: string; description?: string }> };

/**
 * The schema for the whole config file. `pluginConfigs` adds the schema of a plugin's own `config`
 * under `plugins.<name>.config`; the file's values are merged over the plugin's defaults, so every
 * field there is optional.
 */
export function configJsonSchema(pluginConfigs: Record<string, AnySchema> = {}): JsonSchema {
  const root = convert(ConfigSchema);
  const plugins = root.properties!['plugins'] as JsonSchema;
  const entry = plugins.additionalProperties as JsonSchema;
  plugins.propertyNames = { type: 'string', pattern: PLUGIN_NAME.source, not: { enum: [...RESERVED_PLUGIN_NAMES] } };
  plugins.additionalProperties = { $ref: '#/definitions/plugin' };
  plugins.properties = {};
  for (const [name, schema] of Object.entries(pluginConfigs)) {
    const config = optionalEverywhere(convert(schema));
    config.description = `${name}'s own settings, merged over its defaults.`;
    plugins.properties[name] = { allOf: [{ $ref: '#/definitions/plugin' }, { properties: { config } }] };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'agentd.config.json',
    description: 'The agentd config file. Durations are ms or strings such as "250ms", "10s", "5m"; sizes are bytes or strings such as "10MB", "512KiB".',
    ...root,
    definitions: { plugin: entry },
  };
}

/** The committed file's text: {@link configJsonSchema}, two-space indented, with a final newline. */
export function configSchemaFile(pluginConfigs: Record<string, AnySchema> = {}): string {
  return `${JSON.stringify(configJsonSchema(pluginConfigs), null, 2)}\n`;
}

function convert(schema: AnySchema): JsonSchema {
  const notes = pipeNotes(schema);
  return toJsonSchema(schema, {
    target: 'draft-07',
    typeMode: 'input',
    errorMode: 'throw',
    // Checks between fields or against the disk have no JSON Schema form; the daemon makes them.
    ignoreActions: ['check', 'partial_check'],
    // Called with the first schema of a pipe, not the pipe: hence the notes taken from the pipes.
    overrideSchema: ({ valibotSchema, jsonSchema }) => {
      const note = notes.get(valibotSchema);
      if (!note) return null;
      if (note.unit) return unitSchema(note.unit, note.pipe);
      return note.description && jsonSchema.description === undefined ? { ...jsonSchema, description: note.description } : null;
    },
  });
}

interface PipeNote {
  pipe: Piped;
  /** Set for our duration and size fields. */
  unit?: 'duration' | 'size';
  /** A description that comes after a transform, which typeMode 'input' never reaches. */
  description?: string;
}

/**
 * For each pipe in the schema, keyed by its first schema: what the converter cannot see. Our
 * duration and size fields are `number | string` piped into a transform that parses the string;
 * which of the two a field is, is found by asking the field itself.
 */
function pipeNotes(root: AnySchema): Map<unknown, PipeNote> {
  const notes = new Map<unknown, PipeNote>();
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const n = node as Piped & { entries?: Record<string, unknown>; wrapped?: unknown; options?: unknown[]; item?: unknown; key?: unknown; value?: unknown };
    if (n.pipe) {
      const first = n.pipe[0];
      const transformAt = n.pipe.findIndex((a) => a.kind === 'transformation');
      const description = n.pipe.find((a) => a.type === 'description')?.description;
      const note: PipeNote = { pipe: n };
      if (first?.type === 'union' && n.pipe.some((a) => a.type === 'raw_transform')) note.unit = unitOf(n);
      if (description !== undefined && transformAt !== -1 && n.pipe.findIndex((a) => a.type === 'description') > transformAt) note.description = description;
      // A first schema shared by two pipes cannot carry either one's notes.
      if (note.unit || note.description) notes.set(first, notes.has(first) ? { pipe: n } : note);
    }
    for (const child of [...Object.values(n.entries ?? {}), n.wrapped, ...(n.options ?? []), n.item, n.key, n.value, ...(n.pipe ?? [])]) visit(child);
  };
  visit(root);
  return notes;
}

function unitOf(schema: Piped): 'duration' | 'size' {
  // The union's own message names the kind (see unitValue in schema.ts); asking the field to parse
  // samples would depend on its limits.
  const message = (schema.pipe?.[0] as { message?: unknown } | undefined)?.message;
  if (typeof message === 'string' && message.startsWith('must be a duration')) return 'duration';
  if (typeof message === 'string' && message.startsWith('must be a size')) return 'size';
  throw new Error('a transformed union in the config schema is neither a duration nor a size: teach src/config/json-schema.ts its JSON Schema');
}

function metadataOf(schema: Piped): { minimum?: number; maximum?: number } {
  return (schema.pipe?.find((a) => a.type === 'metadata') as { metadata?: { minimum?: number; maximum?: number } } | undefined)?.metadata ?? {};
}

/** The string's grammar spelled out as a pattern (the transform has no JSON Schema form). */
function unitSchema(unit: 'duration' | 'size', pipe: Piped): JsonSchema {
  const { minimum = 0, maximum } = metadataOf(pipe);
  const number: JsonSchema = unit === 'duration'
    ? { type: 'number', minimum, ...(maximum === undefined ? {} : { maximum }) }
    : { type: 'integer', minimum, maximum: maximum ?? Number.MAX_SAFE_INTEGER };
  const string: JsonSchema = { type: 'string', pattern: unit === 'duration' ? DURATION_PATTERN : SIZE_PATTERN };
  const description = pipe.pipe?.find((a) => a.type === 'description')?.description;
  return { oneOf: [number, string], ...(description ? { description } : {}) };
}

/** Drop `required` at every level: each object in a plugin's config is merged over its defaults. */
function optionalEverywhere(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  delete out.required;
  if (out.properties) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, s]) => [k, typeof s === 'object' ? optionalEverywhere(s) : s]));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = out[key];
    if (list) out[key] = list.map((s) => (typeof s === 'object' ? optionalEverywhere(s) : s));
  }
  return out;
}
