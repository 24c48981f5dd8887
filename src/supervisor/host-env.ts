/** Plugins get the core's environment, minus what is the core's alone. */
export function hostEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AGENTD_') || key === 'NOTIFY_SOCKET') delete env[key];
  // Instances accept on one shared listening socket. libuv's default accepts every pending
  // connection per wake-up, so whichever host wakes first takes a whole burst (all 50 of wrk's
  // connections in bench/instances). One accept per wake-up, like nginx's default
  // `multi_accept off`, leaves the other instances their share. A user's own setting wins.
  env['UV_TCP_SINGLE_ACCEPT'] ??= '1';
  return env;
}
