import type { ReloadResult } from '../../rpc/wire-types.js';
import { BaseCommand } from '../base-command.js';

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Re-read the config and apply only the difference.';
  static override description = 'New plugins start, removed ones stop, unchanged ones keep their pid; a running plugin whose settings changed is replaced one instance at a time, each new process ready before its old one stops, and keeps its previous settings (exit 1) if the new ones do not start. A config that does not validate is refused and the running one stays.';
  static override examples = ['<%= config.bin %> reload'];
  static override enableJsonFlag = true;

  async run(): Promise<ReloadResult> {
    const r = await (await this.client()).call('daemon.reload');
    const parts = (['added', 'removed', 'changed', 'unchanged'] as const).map((k) => `${k}: ${r[k].length ? r[k].join(', ') : '-'}`);
    this.log(`config reloaded (${r.config ?? 'built-in default'}); ${parts.join('; ')}`);
    return r;
  }
}
