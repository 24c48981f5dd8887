/**
 * A module's default export. CommonJS compiled from `export default` (TypeScript in a CommonJS
 * package or in a directory with no package.json, a `.cts`) sets `exports.default` and
 * `__esModule`, and Node's import of CommonJS gives `module.exports` itself as the default: the
 * value is one level down, as TypeScript's own interop would find it.
 */
export function moduleDefault(mod: { default?: unknown }): unknown {
  const value = mod.default;
  if (typeof value !== 'object' || value === null) return value;
  return (value as { __esModule?: unknown }).__esModule === true ? (value as { default?: unknown }).default : value;
}
