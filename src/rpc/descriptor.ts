import type * as v from 'valibot';

/**
 * The one declaration of an RPC method: its name, a sentence for `rpc.methods`, the schema of its
 * named params, and (as a type) its result. The server registers handlers against descriptors, the
 * typed client takes its signatures from them, and `rpc.methods` and `ctl rpc` list them.
 */
export interface MethodDescriptor<Name extends string = string, ParamsIn = unknown, ParamsOut = unknown, Result = unknown> {
  readonly name: Name;
  readonly summary: string;
  readonly params: v.GenericSchema<ParamsIn, ParamsOut>;
  /** Type carrier only: never read at run time. */
  readonly result: Result;
  /** Notifications the method starts streaming to the caller's connection, by notification method name. */
  readonly streams?: string;
}

/** A phantom value that carries a result type into a descriptor. */
export function returns<R>(): R {
  return undefined as R;
}

export function defineMethod<const Name extends string, S extends v.GenericSchema, R>(descriptor: {
  name: Name;
  summary: string;
  params: S;
  result: R;
  streams?: string;
}): MethodDescriptor<Name, v.InferInput<S>, v.InferOutput<S>, R> {
  return Object.freeze(descriptor) as MethodDescriptor<Name, v.InferInput<S>, v.InferOutput<S>, R>;
}

export type AnyMethod = MethodDescriptor<string, any, any, any>;
export type ParamsIn<M> = M extends MethodDescriptor<string, infer P, any, any> ? P : never;
export type ParamsOut<M> = M extends MethodDescriptor<string, any, infer P, any> ? P : never;
export type ResultOf<M> = M extends MethodDescriptor<string, any, any, infer R> ? R : never;
