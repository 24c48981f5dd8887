import { Command, Flags, type Interfaces } from '@oclif/core';
import { connect, type AgentdClient } from '../client/index.js';
import { checkHomeReadable, resolveHome } from '../home/index.js';
import { jsonFlagGiven, reportFailure } from './output.js';
import { stallCheck } from './silent-core.js';
import { namedArgParsers, usageError } from './parse-errors.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/**
 * What every `ctl` command shares: `--home`, one client connection, and one way to fail (a single
 * line on stderr, and a JSON error on stdout under --json, with the error's exit code).
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    home: Flags.string({
      description: 'agentd home directory (socket, pidfile, logs, config)',
      env: 'AGENTD_HOME',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  private openClient: AgentdClient | null = null;

  override async init(): Promise<void> {
    await super.init();
    const { flags, args } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: namedArgParsers(this.ctor.args),
      strict: this.ctor.strict,
    }).catch((e: unknown) => { throw usageError(e, this.id, this.flagNames()); });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
  }

  private flagNames(): string[] {
    return [...Object.keys({ ...this.ctor.flags, ...(super.ctor as typeof BaseCommand).baseFlags }), ...(this.ctor.enableJsonFlag ? ['json'] : []), 'help'];
  }

  protected get home(): string {
    return resolveHome(this.flags.home);
  }

  /** A connection to the daemon, closed when the command ends. */
  protected async client(): Promise<AgentdClient> {
    if (!this.openClient) {
      checkHomeReadable(this.home);
      this.openClient = await connect({ home: this.home, timeoutMs: 0, stalled: stallCheck(this.home) });
    }
    return this.openClient;
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    this.openClient?.close();
    return super.finally(error);
  }

  protected override async catch(error: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    // this.exit() throws oclif's ExitError: that is not a failure to report.
    if (error.message?.startsWith('EEXIT')) throw error;
    const code = reportFailure(error, this.jsonOutput());
    this.exit(code);
  }

  /**
   * Whether --json was asked for. oclif's jsonEnabled() knows only commands that let it print
   * their result (enableJsonFlag); `logs` and `rpc` print their own stream of JSON lines through a
   * `json` flag of their own, and their failures must be JSON all the same. Read from argv, as
   * oclif does, so that a usage error (no flags parsed) is JSON too.
   */
  protected jsonOutput(): boolean {
    if (this.jsonEnabled()) return true;
    if (!this.ctor.flags?.['json']) return false;
    return jsonFlagGiven(this.argv);
  }
}
