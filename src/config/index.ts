export { ConfigSchema, PluginEntrySchema, PLUGIN_NAME, RESERVED_NAMESPACES, type Config, type ConfigInput, type PluginEntry, type LogsConfig, type RpcConfig } from './schema.js';
export { loadConfig, findConfigFile, validateConfig, type LoadedConfig, type ResolvedPlugin } from './load.js';
export { diffPlugins, sameApartFromInstances, type PluginDiff } from './diff.js';
export { formatIssues, type SchemaIssue } from './issues.js';
export { parseDuration, parseSize, formatDuration, formatBytes } from './units.js';
