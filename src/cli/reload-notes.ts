import type { AgentdClient } from '../client/index.js';

/**
 * While `ctl logs -f NAME` follows, say on stderr when a reload removes plugin NAME or brings it
 * back. The follow goes on either way (as `journalctl -f -u` does for a unit, and as `ctl logs -f`
 * of a removed plugin's log does from the start): its lines come again if it returns, and without
 * a word a follow with nothing coming would look hung.
 */
export async function noteReloadsOf(client: AgentdClient, name: string): Promise<void> {
  client.on('event', (e) => {
    if (e.type !== 'daemon.reload') return;
    const listed = (key: string) => Array.isArray(e[key]) && (e[key] as unknown[]).includes(name);
    if (listed('removed')) say(`${name} was removed from the config (ctl reload); following its log in case it comes back`);
    else if (listed('added')) say(`${name} is in the config again`);
  });
  await client.call('events.subscribe', { types: ['daemon.reload'] });
}

/** On stderr, so that stdout stays the log lines (or JSON). */
function say(line: string): void {
  process.stderr.write(`ctl: ${line}\n`);
}
