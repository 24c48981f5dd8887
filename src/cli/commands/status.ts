import { BaseCommand } from '../base-command.js';
import { printStatus } from '../print-status.js';

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show the daemon and a row per plugin; exit 0 when running, 3 when not, 1 when it runs but its socket does not answer.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json | jq .plugins'];
  static override enableJsonFlag = true;

  async run(): Promise<void> {
    // Prints for itself (table or JSON) so that the fast path in bin/run.js behaves the same.
    this.exit(await printStatus(this.home, this.jsonEnabled()));
  }
}
