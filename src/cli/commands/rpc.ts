import { Args } from '@oclif/core';
import { errors } from '../../errors/index.js';
import { BaseCommand } from '../base-command.js';

export default class Rpc extends BaseCommand<typeof Rpc> {
  static override summary = 'Call any control-socket method and print its result as JSON.';
  static override description = 'Params are one JSON object (named params). `ctl rpc rpc.methods` lists every method with its params schema.';
  static override examples = [
    '<%= config.bin %> rpc daemon.status',
    `<%= config.bin %> rpc logs.tail '{"plugin":"image-server","lines":20}'`,
    '<%= config.bin %> rpc image-server.stats',
  ];
  static override args = {
    method: Args.string({ description: 'method name, e.g. daemon.status', required: true }),
    params: Args.string({ description: 'params as a JSON object' }),
  };

  async run(): Promise<void> {
    let params: Record<string, unknown> = {};
    if (this.args.params !== undefined) {
      try { params = JSON.parse(this.args.params) as Record<string, unknown>; } catch (e) {
        throw errors.usage(`PARAMS_JSON is not valid JSON: ${(e as Error).message}`);
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw errors.usage('PARAMS_JSON must be a JSON object (params are named)');
    }
    const result = await (await this.client()).call(this.args.method, params);
    this.log(JSON.stringify(result, null, 2));
  }
}
