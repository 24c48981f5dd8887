import type * as v from 'valibot';
import { dynamicImport } from '../dynamic-import.js';
import type { AnyMethod } from './descriptor.js';
import type { MethodInfo } from './wire-types.js';

type Converter = (schema: v.GenericSchema) => Record<string, unknown>;

let converter: Promise<Converter> | null = null;

/** The valibot → JSON Schema converter, loaded on first use: it is off every start-up path. */
export function jsonSchemaConverter(): Promise<Converter> {
  converter ??= dynamicImport<typeof import('@valibot/to-json-schema')>('@valibot/to-json-schema').then(({ toJsonSchema }) =>
    (schema: v.GenericSchema) => {
      const { $schema: _drop, ...rest } = toJsonSchema(schema, { errorMode: 'ignore' }) as Record<string, unknown>;
      return rest;
    });
  return converter;
}

/** A core method as `rpc.methods` lists it: its declaration, with params and result as JSON Schema. */
export function describeMethod(method: AnyMethod, toJson: Converter): MethodInfo {
  return {
    name: method.name,
    summary: method.summary,
    params: toJson(method.params),
    result: toJson(method.result),
    ...(method.streams ? { streams: method.streams } : {}),
  };
}
