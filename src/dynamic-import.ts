/**
 * import() for code in the core bundle. src/core/entry.ts runs that bundle from a vm.Script with a
 * V8 code cache, and on Node 20 an import() in code restored from a cache fails ("A dynamic import
 * callback was not specified"). So entry.ts lends an import() of its own, compiled by Node's
 * loader, under a registered symbol (the two are separate bundles). Elsewhere it is plain import().
 */
const IMPORT = Symbol.for('agentd.import');
type Importer = (specifier: string) => Promise<unknown>;
const shared = globalThis as Record<symbol, unknown>;

export function lendImport(importer: Importer): void {
  shared[IMPORT] = importer;
}

export function dynamicImport<T>(specifier: string): Promise<T> {
  const lent = shared[IMPORT] as Importer | undefined;
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}
