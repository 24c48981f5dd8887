export { resolveHome, homePaths, socketPathFits, SOCKET_PATH_MAX, type HomePaths } from './paths.js';
export { ensureHome } from './ensure-home.js';
