export { FileSink, countLines, type FileSinkOptions, type RotateResult, type SinkError, type SinkStats } from './file-sink.js';
export { SinkTransport } from './sink-transport.js';
export { createCoreLogger, closeLogger, type CoreLoggerOptions } from './core-logger.js';
export { attachPluginOutput, type PluginOutputMeta, type PluginOutputOptions } from './plugin-output.js';
export { LogManager, CORE_SOURCE, type LogPaths, type FollowListener } from './log-manager.js';
export { createPluginLogger, FdTransport, type PluginLoggerMeta, type PluginLoggerOptions } from './plugin-logger.js';
export { tailLines } from './tail.js';
export { jsonLine } from './json-line.js';
