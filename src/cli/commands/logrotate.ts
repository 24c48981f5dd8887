import { BaseCommand } from '../base-command.js';

export default class Logrotate extends BaseCommand<typeof Logrotate> {
  static override summary = 'Rotate every log file now (x.log -> x.log.1 …, keeping logs.keep).';
  static override examples = ['<%= config.bin %> logrotate'];
  static override enableJsonFlag = true;

  async run(): Promise<{ files: string[] }> {
    const result = await (await this.client()).call('logs.rotate');
    this.log(`rotated ${result.files.length} log file${result.files.length === 1 ? '' : 's'}`);
    return result;
  }
}
