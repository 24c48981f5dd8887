export {
  ADDON_PATH, loadAddon, isNativeSystemError,
  lockHolder, peerCredentials, sdNotify, socketPair, sendFd, recvFd, listenTcp, socketAddress, closeFd,
  type NativeAddon, type NativeSystemError, type PeerCredentials, type SocketAddress,
} from './addon.js';
export {
  DEFAULT_ENTRY, DEFAULT_START_TIMEOUT_MS, launcherPath, launchDaemon, runForeground, interpretLauncher,
  type LaunchOptions, type ForegroundOptions,
} from './launch.js';
