import type * as v from 'valibot';

/**
 * The one declaration of an RPC method: its name, a sentence for `rpc.methods`, and schemas for
 * its named params and its result. The server validates params with it, the typed client takes
 * its signatures from it, and `rpc.methods` (hence the OpenRPC document) lists it.
 */
export interface MethodDescriptor<Name extends string = string, ParamsIn = unknown, ParamsOut = unknown, Result = unknown> {
  readonly name: Name;
  readonly summary: string;
  readonly params: v.GenericSchema<ParamsIn, ParamsOut>;
  readonly result: v.GenericSchema<unknown, Result>;
  /** Notifications the method starts streaming to the caller's connection, by notification method name. */
  readonly streams?: string;
}

export function defineMethod<const Name extends string, P extends v.GenericSchema, R extends v.GenericSchema>(descriptor: {
  name: Name;
  summary: string;
  params: P;
  result: R;
  streams?: string;
}): MethodDescriptor<Name, v.InferInput<P>, v.InferOutput<P>, v.InferOutput<R>> {
  return Object.freeze(descriptor) as MethodDescriptor<Name, v.InferInput<P>, v.InferOutput<P>, v.InferOutput<R>>;
}

export type AnyMethod = MethodDescriptor<string, any, any, any>;
export type ParamsIn<M> = M extends MethodDescriptor<string, infer P, any, any> ? P : never;
export type ParamsOut<M> = M extends MethodDescriptor<string, any, infer P, any> ? P : never;
export type ResultOf<M> = M extends MethodDescriptor<string, any, any, infer R> ? R : never;
