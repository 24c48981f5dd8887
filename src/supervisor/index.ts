export { PluginManager, type ManagerDeps, type NotApplied } from './manager.js';
export { PluginGroup } from './group.js';
export { Instance } from './instance.js';
export { backoffDelay, nextAttempt } from './backoff.js';
export { CrashWindow } from './crash-window.js';
export { becomeSubreaper, killDescendants, onAdoptedKilled } from './subreaper.js';
