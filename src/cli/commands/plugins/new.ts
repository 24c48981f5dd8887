import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { createPlugin, type CreatedPlugin } from '../../../scaffold/create.js';
import { BaseCommand } from '../../base-command.js';
import { shellWord } from '../../shell-word.js';

export default class PluginsNew extends BaseCommand<typeof PluginsNew> {
  static override summary = 'Create a new TypeScript plugin: index.ts, a test against a real agentd, package.json, README.';
  static override description = 'The plugin loads without a build step (definePlugin, a valibot schema, an RPC method, ctx.log, a graceful stop). Its test (node --test) starts a real agentd with it and calls its method. NAME is lowercase letters, digits and dashes; the directory must be new or empty.';
  static override examples = [
    '<%= config.bin %> plugins new hello',
    '<%= config.bin %> plugins new hello --dir ./plugins/hello',
  ];
  static override enableJsonFlag = true;
  static override args = { name: Args.string({ description: 'plugin name, e.g. hello (its methods are NAME.method)', required: true }) };
  static override flags = {
    dir: Flags.string({ description: 'directory to create (default: ./NAME)' }),
  };

  async run(): Promise<CreatedPlugin> {
    const created = createPlugin(this.args.name, this.flags.dir ?? this.args.name);
    const rel = path.relative(process.cwd(), created.dir) || '.';
    const { name } = created;
    this.log(`created ${created.dir}: ${created.files.join(', ')}

next:
  cd ${shellWord(rel)} && npm install && npm test    # links this agentd, installs valibot; the test type-checks, then runs a real agentd
  add it to agentd.config.json:   "plugins": { "${name}": { "module": ${JSON.stringify(created.dir)} } }
  ctl start --watch                                # restarts the plugin whenever you save
  ctl rpc ${name}.greet '{"name":"you"}'`);
    return created;
  }
}
