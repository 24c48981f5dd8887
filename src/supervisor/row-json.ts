import type { PluginRow } from '../rpc/wire-types.js';

/**
 * The JSON of one instance's status row, kept from the last call. `daemon.status` is what monitors
 * poll, and serializing every row on every call was most of its cost once a few plugins run; a row
 * changes with a state change, a restart, the sampler's figures once a second, and its uptime
 * every 10 ms, so a client polling in a loop gets the same text many times over.
 */
export class RowJson {
  private last: PluginRow | null = null;
  private text = '';

  of(row: PluginRow): string {
    if (this.last === null || !sameRow(this.last, row)) {
      this.text = JSON.stringify(row);
      this.last = row;
    }
    return this.text;
  }
}

/**
 * Every field, by value. `lastExit` is compared by reference: an instance replaces it on each
 * exit and never changes it in place. test/supervisor/row-json.test.ts checks that a change to
 * any field of a row shows in its text, so a field added to PluginRow must be added here.
 */
function sameRow(a: PluginRow, b: PluginRow): boolean {
  return a.name === b.name && a.plugin === b.plugin && a.instance === b.instance && a.state === b.state
    && a.pid === b.pid && a.uptime === b.uptime && a.restarts === b.restarts && a.lastExit === b.lastExit
    && a.memory.rss === b.memory.rss && a.cpu === b.cpu && a.error === b.error && a.nextStartAt === b.nextStartAt;
}
