import { Args, Flags } from '@oclif/core';
import { homePaths } from '../../home/paths.js';
import { errors, isAgentdError } from '../../errors/index.js';
import { packageVersion } from '../../package-info.js';
import { coreMethods, describeMethod, jsonSchemaConverter, toOpenRpc, type MethodInfo } from '../../rpc/index.js';
import type { Notifications } from '../../client/index.js';
import { BaseCommand } from '../base-command.js';
import { streamUntilEnd } from '../stream-until-end.js';

export default class Rpc extends BaseCommand<typeof Rpc> {
  static override summary = 'Call any control-socket method and print its result as JSON.';
  static override description = 'Params are one JSON object (named params). A plugin method goes to one of its instances, round robin; `PLUGIN#N.METHOD` calls instance N. `ctl rpc rpc.methods` lists every method with its params and result schemas; `ctl rpc --schema` prints them as an OpenRPC document (core methods only when the daemon is not running), and `ctl rpc --schema METHOD` only that method\'s OpenRPC method object. A method that streams (`events.subscribe`, `logs.follow`) prints its result, then each notification\'s params, each as one line of JSON, until Ctrl-C.';
  static override examples = [
    '<%= config.bin %> rpc daemon.status',
    `<%= config.bin %> rpc logs.tail '{"plugin":"image-server","lines":20}'`,
    '<%= config.bin %> rpc image-server.stats',
    `<%= config.bin %> rpc events.subscribe '{"types":["plugin.state"]}'`,
    `<%= config.bin %> rpc 'image-server#1.stats'`,
    '<%= config.bin %> rpc --schema > agentd.openrpc.json',
    '<%= config.bin %> rpc --schema plugins.scale',
  ];
  static override args = {
    method: Args.string({ description: 'method name, e.g. daemon.status' }),
    // Named as the README and the error messages name it: USAGE reads `ctl rpc [METHOD] [PARAMS_JSON]`.
    params_json: Args.string({ description: 'params as a JSON object' }),
  };
  static override flags = {
    schema: Flags.boolean({ description: 'print the OpenRPC document of every method (or of METHOD alone) instead of calling one' }),
    // Scripts pass --json to every command that prints data; here the output is JSON anyway.
    json: Flags.boolean({ description: 'the output is JSON with or without it (accepted, as by every command that prints data)' }),
  };

  async run(): Promise<void> {
    if (this.flags.schema) return this.printSchema();
    if (!this.args.method) throw errors.usage('missing METHOD; `ctl rpc rpc.methods` lists them, `ctl rpc --schema` describes them');
    let params: Record<string, unknown> = {};
    if (this.args.params_json !== undefined) {
      try { params = JSON.parse(this.args.params_json) as Record<string, unknown>; } catch (e) {
        throw errors.usage(`PARAMS_JSON is not valid JSON: ${(e as Error).message}`);
      }
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw errors.usage('PARAMS_JSON must be a JSON object (params are named)');
    }
    const client = await this.client();
    const streams = coreMethods.find((m) => m.name === this.args.method)?.streams;
    if (!streams) {
      this.log(JSON.stringify(await client.call(this.args.method, params), null, 2));
      return;
    }
    // A stream's notifications follow the result, one JSON object per line, until Ctrl-C;
    // any that arrive before the reply wait for it.
    const early: unknown[] = [];
    let live = false;
    const print = (p: unknown) => this.log(JSON.stringify(p));
    client.on(streams as keyof Notifications, (p) => (live ? print(p) : early.push(p)));
    // The result is a line of the stream too: a script reads it as JSON lines from the start.
    print(await client.call(this.args.method, params));
    early.forEach(print);
    live = true;
    await streamUntilEnd(client, `no more \`${streams}\` notifications`);
  }

  /** From the running daemon (plugin methods included), else from the core's own declarations. */
  private async printSchema(): Promise<void> {
    if (this.args.params_json !== undefined) throw errors.usage('--schema describes a method and takes no PARAMS_JSON; call it without --schema');
    let methods: MethodInfo[];
    try {
      methods = await (await this.client()).call('rpc.methods');
    } catch (e) {
      if (!isAgentdError(e) || e.code !== 'E_NOT_RUNNING') throw e;
      const toJson = await jsonSchemaConverter();
      methods = coreMethods.map((m) => describeMethod(m, toJson));
    }
    const document = toOpenRpc(methods, { version: packageVersion(), socket: homePaths(this.home).socket });
    const { method } = this.args;
    if (method === undefined) return this.log(JSON.stringify(document, null, 2));
    const found = (document['methods'] as Array<{ name: string }>).find((m) => m.name === method);
    if (!found) throw errors.methodNotFound(method);
    this.log(JSON.stringify(found, null, 2));
  }
}
