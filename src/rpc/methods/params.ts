import * as v from 'valibot';

/** Methods without params accept a missing `params`, `{}` or `null`, and nothing else. */
export const noParams = v.optional(v.nullable(v.strictObject({})), {});

export const pluginName = v.pipe(v.string(), v.minLength(1), v.description('The plugin\'s name, as in `ctl plugins`.'));
