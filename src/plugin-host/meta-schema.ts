/**
 * What a method's declared JSON Schema may contain: every keyword of drafts 4 to 2020-12 that the
 * validator implements, each with the type of value it takes, and annotations; `x-…` for the
 * author's own. Anything else is refused when the plugin starts, so that a misspelt keyword
 * (`tpye`, `additionalProperty`) is an error at once instead of a check that silently never runs.
 * The drafts' own meta-schemas allow any unknown keyword, hence this stricter one.
 */
const schema = { $ref: '#' };
const schemaMap = { type: 'object', additionalProperties: schema };
const schemaList = { type: 'array', items: schema, minItems: 1 };
const count = { type: 'integer', minimum: 0 };
const names = { type: 'array', items: { type: 'string' }, uniqueItems: true };
const simpleTypes = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

export const META_SCHEMA: Record<string, unknown> = {
  type: ['object', 'boolean'],
  properties: {
    $schema: { type: 'string' },
    $id: { type: 'string' },
    id: { type: 'string' },
    $ref: { type: 'string' },
    $anchor: { type: 'string' },
    $recursiveRef: { type: 'string' },
    $recursiveAnchor: { type: 'boolean' },
    $comment: { type: 'string' },
    $vocabulary: { type: 'object' },
    $defs: schemaMap,
    definitions: schemaMap,
    title: { type: 'string' },
    description: { type: 'string' },
    default: true,
    examples: { type: 'array' },
    deprecated: { type: 'boolean' },
    readOnly: { type: 'boolean' },
    writeOnly: { type: 'boolean' },
    type: {
      if: { type: 'string' },
      then: { enum: simpleTypes },
      else: { type: 'array', items: { enum: simpleTypes }, minItems: 1, uniqueItems: true },
    },
    enum: { type: 'array' },
    const: true,
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    maximum: { type: 'number' },
    minimum: { type: 'number' },
    exclusiveMaximum: { type: ['number', 'boolean'] },
    exclusiveMinimum: { type: ['number', 'boolean'] },
    maxLength: count,
    minLength: count,
    pattern: { type: 'string', format: 'regex' },
    format: { type: 'string' },
    contentMediaType: { type: 'string' },
    contentEncoding: { type: 'string' },
    contentSchema: schema,
    items: { if: { type: 'array' }, then: { items: schema }, else: schema },
    prefixItems: schemaList,
    additionalItems: schema,
    unevaluatedItems: schema,
    contains: schema,
    maxContains: count,
    minContains: count,
    maxItems: count,
    minItems: count,
    uniqueItems: { type: 'boolean' },
    required: names,
    maxProperties: count,
    minProperties: count,
    properties: schemaMap,
    patternProperties: { type: 'object', propertyNames: { format: 'regex' }, additionalProperties: schema },
    additionalProperties: schema,
    unevaluatedProperties: schema,
    propertyNames: schema,
    dependentRequired: { type: 'object', additionalProperties: names },
    dependentSchemas: schemaMap,
    dependencies: { type: 'object', additionalProperties: { if: { type: 'array' }, then: names, else: schema } },
    allOf: schemaList,
    anyOf: schemaList,
    oneOf: schemaList,
    not: schema,
    if: schema,
    then: schema,
    else: schema,
  },
  patternProperties: { '^x-': true },
  additionalProperties: false,
};
