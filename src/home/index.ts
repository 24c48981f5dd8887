export { resolveHome, homePaths, socketPathFits, SOCKET_PATH_MAX, type HomePaths } from './paths.js';
export { checkHomeReadable, ensureHome } from './ensure-home.js';
export { checkPidfile } from './check-pidfile.js';
