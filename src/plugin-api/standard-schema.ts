/**
 * The Standard Schema interface (https://standardschema.dev), copied as its authors intend, so that
 * a plugin can validate its config with valibot, zod, arktype or any library that implements it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace StandardSchemaV1 {
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  export interface SuccessResult<Output> { readonly value: Output; readonly issues?: undefined }
  export interface FailureResult { readonly issues: ReadonlyArray<Issue> }
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }
  export interface PathSegment { readonly key: PropertyKey }
  export interface Types<Input = unknown, Output = Input> { readonly input: Input; readonly output: Output }
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<Schema['~standard']['types']>['output'];
}
