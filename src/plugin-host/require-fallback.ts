import Module from 'node:module';

type ResolveFilename = (request: string, ...rest: unknown[]) => string;

/**
 * `require('agentd')` from a CommonJS plugin outside this package, the counterpart of
 * resolve-hook.ts for `import`: Node 20's module hooks do not see `require()`, and it has no
 * synchronous hooks (`module.registerHooks` came in 22.15), so the CommonJS resolver is wrapped, as
 * tsx wraps it for tsconfig paths. Only a specifier of `targets` that Node cannot resolve from the
 * plugin's directory is redirected; the plugin's own node_modules/agentd wins where there is one.
 */
export function requireFallback(targets: Record<string, string>): void {
  const cjs = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolveFilename = cjs._resolveFilename;
  cjs._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
    try {
      return resolveFilename.call(this, request, ...rest);
    } catch (e) {
      const target = targets[request];
      if (target === undefined || (e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
      return target;
    }
  };
}
