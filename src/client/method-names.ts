import type { RESERVED_NAMESPACES } from '../config/schema.js';

type ReservedNamespace = (typeof RESERVED_NAMESPACES)[number];
/** The characters of a plugin name (PLUGIN_NAME in config/schema.ts). */
type NameChar = Lower | Digit | '-';
type Lower = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm' | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z';
type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9';

/**
 * `M` when it can name a plugin's method, `never` when it lies in a core namespace (`daemon.`,
 * `logs.`, `plugins.`, `events.`, `rpc.`), where no plugin method can be. A plain `string` (a name
 * known only at run time) passes.
 */
export type PluginMethodName<M extends string> = string extends M ? M : M extends `${ReservedNamespace}.${string}` ? never : M;

/**
 * Every name outside the core's namespaces, as one type that needs no inference: what
 * `call<R>(…)` accepts, where an explicit `R` leaves nothing to infer the name from. Built as a
 * trie over the reserved words: at each step, any character that leaves every `<word>.` behind.
 */
export type PluginMethod = Avoiding<'', ReservedNamespace>;

type Head<W extends string> = W extends `${infer C}${string}` ? C : never;
type Tail<W extends string, C extends string> = W extends `${C}${infer T}` ? T : never;
/** Names that begin with `P` and do not go on to `<w>.` for any `w` in `Rest` (`''` in `Rest`: a word ends here). */
type Avoiding<P extends string, Rest extends string> =
  | `${P}${Exclude<NameChar | '.' | '#', Head<Rest> | ('' extends Rest ? '.' : never)>}${string}`
  | (Head<Rest> extends infer C extends string ? (C extends string ? Avoiding<`${P}${C}`, Tail<Rest, C>> : never) : never);
