export { ControlServer, type ControlServerOptions } from './server.js';
export { MethodRegistry, type CallContext, type Handler, type PluginMethod } from './registry.js';
export { Connection } from './connection.js';
export { LineReader, encodeLine } from './framing.js';
export { defineMethod, returns, type MethodDescriptor, type AnyMethod, type ParamsIn, type ParamsOut, type ResultOf } from './descriptor.js';
export * from './wire-types.js';
export * from './methods/index.js';
export { notificationStream } from './notification-stream.js';
