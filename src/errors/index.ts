export { AgentdError, isAgentdError, type AgentdErrorOptions, type WireError } from './agentd-error.js';
export { errors, type ErrorFactory, type SilentWhy } from './catalogue.js';
export { ExitCode } from './exit-codes.js';
export { describeError } from './describe.js';
export { errorRecord } from './error-record.js';
