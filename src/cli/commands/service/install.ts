import fs from 'node:fs';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { findConfigFile, loadConfig } from '../../../config/index.js';
import { flagDuration } from '../../flag-duration.js';
import { errors } from '../../../errors/index.js';
import { describeError } from '../../../errors/describe.js';
import { homePaths } from '../../../home/index.js';
import { PACKAGE_ROOT, packageVersion } from '../../../package-info.js';
import { enableCommands, homeManagedBySystemd, renderUnit, rollTimeoutMs, unitPath } from '../../../systemd/unit.js';
import { BaseCommand } from '../../base-command.js';
import { writeFileAtomically } from '../../../write-atomically.js';
import { shellWord } from '../../shell-word.js';

/** The home of a system unit when neither --home nor $AGENTD_HOME says otherwise. */
const SYSTEM_HOME = '/var/lib/agentd';

export interface InstallResult {
  path: string | null;
  /** false when the file already held this very unit (or with --print). */
  written: boolean;
  unit: string;
  next: string[];
}

export default class ServiceInstall extends BaseCommand<typeof ServiceInstall> {
  static override summary = 'Write a systemd unit that runs agentd (it never runs systemctl itself).';
  static override description = 'Type=notify runs `ctl start --foreground` and the core tells systemd when it is ready, reloading or stopping, and keeps its watchdog fed; Type=forking runs the daemon mode with its pidfile. The unit stops agentd with SIGTERM to the main process only (KillMode=mixed), so the core stops its plugins in order, and waits longer than the longest plugin stopTimeout. An existing different unit is kept unless --force.';
  static override examples = [
    '<%= config.bin %> service install --user',
    'sudo <%= config.bin %> service install --config /etc/agentd/agentd.config.json',
    '<%= config.bin %> service install --print --mode forking',
    '<%= config.bin %> service install --user --watchdog 30s',
    'sudo <%= config.bin %> service install --run-as agentd',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    user: Flags.boolean({ description: 'a user unit (~/.config/systemd/user/agentd.service, `systemctl --user`) instead of /etc/systemd/system/agentd.service; a system unit\'s home is /var/lib/agentd unless --home or $AGENTD_HOME says otherwise' }),
    print: Flags.boolean({ description: 'print the unit instead of writing it' }),
    mode: Flags.option({ options: ['notify', 'forking'] as const, default: 'notify', description: 'notify: `ctl start --foreground` with sd_notify readiness; forking: the daemon mode with its pidfile' })(),
    config: Flags.string({ description: 'config file the service uses (default: agentd.config.{json,js,mjs,cjs,ts,mts,cts} in the home, else the built-in default)' }),
    watchdog: Flags.string({ description: 'WatchdogSec=: systemd restarts agentd when its event loop stops answering for this long, e.g. 30s' }),
    'run-as': Flags.string({ description: 'User= of a system unit: the account agentd and its plugins run as instead of root (a home under /var/lib becomes its StateDirectory=, made 0700 and owned by that user)', exclusive: ['user'] }),
    force: Flags.boolean({ description: 'replace an existing, different unit file' }),
  };

  async run(): Promise<InstallResult> {
    // A system service keeps its state where system services do, unless told otherwise.
    const home = this.flags.home === undefined && !this.flags.user ? SYSTEM_HOME : this.home;
    const watchdogSec = this.watchdogSec();
    const config = this.flags.config ? path.resolve(this.flags.config) : undefined;
    const runAs = this.runAs();
    const unit = renderUnit({
      mode: this.flags.mode,
      user: this.flags.user,
      node: process.execPath,
      bin: path.join(PACKAGE_ROOT, 'bin', 'run.js'),
      home,
      config,
      runAs,
      ...await longestTimeouts(home, config),
      watchdogSec,
      version: packageVersion(),
    });
    if (this.flags.print) {
      if (!this.jsonEnabled()) process.stdout.write(unit);
      return { path: null, written: false, unit, next: this.nextSteps(home, runAs, false) };
    }

    const file = unitPath(this.flags.user);
    const outcome = writeUnit(file, unit, this.flags.force, this.flags.user);
    const next = this.nextSteps(home, runAs, outcome === 'replaced');
    this.log(outcome === 'unchanged' ? `${file} is up to date` : `wrote ${file}`);
    this.log(`then run:\n${next.map((c) => `  ${c}`).join('\n')}`);
    return { path: file, written: outcome !== 'unchanged', unit, next };
  }

  /** The commands to paste, in order; none is run here. */
  private nextSteps(home: string, runAs: string | undefined, replaced: boolean): string[] {
    // Before the start: the core cannot make a home it may not write, nor use one root made.
    const next = runAs && !homeManagedBySystemd({ user: this.flags.user, home }) ? [`install -d -m 0700 -o ${runAs} ${shellWord(home)}   # the home must belong to ${runAs}`] : [];
    next.push(...enableCommands(this.flags.user, replaced));
    if (this.flags.user) next.push('loginctl enable-linger "$USER"   # to keep it running while you are logged out');
    if (runAs) next.push(`sudo -u ${runAs} AGENTD_HOME=${shellWord(home)} ctl status   # as the user it runs as`);
    else if (home !== this.home) next.push(`AGENTD_HOME=${shellWord(home)} ctl status   # as root: the service's home`);
    return next;
  }

  /** A user name or uid as systemd's User= takes it; anything else could break the unit apart. */
  private runAs(): string | undefined {
    const name = this.flags['run-as'];
    if (name === undefined) return undefined;
    if (!/^(?:[A-Za-z_][A-Za-z0-9_.-]{0,30}\$?|\d+)$/.test(name)) throw errors.usage(`--run-as ${JSON.stringify(name)}: give a user name (such as "agentd") or a numeric uid`);
    return name;
  }

  private watchdogSec(): number | undefined {
    if (this.flags.watchdog === undefined) return undefined;
    return Math.ceil(flagDuration('watchdog', this.flags.watchdog, '30s', 1000) / 1000);
  }
}

/** The longest plugin stop, start and rolling-reload times in the config the service will use (the defaults without one). */
async function longestTimeouts(home: string, explicit: string | undefined): Promise<{ pluginStopTimeoutMs: number; pluginStartTimeoutMs: number; pluginRollTimeoutMs: number }> {
  const { plugins } = await loadConfig(findConfigFile(homePaths(home).configCandidates, explicit));
  return {
    pluginStopTimeoutMs: Math.max(5000, ...plugins.map((p) => p.entry.stopTimeout)),
    pluginStartTimeoutMs: Math.max(10_000, ...plugins.map((p) => p.entry.startTimeout)),
    pluginRollTimeoutMs: Math.max(0, ...plugins.map((p) => rollTimeoutMs(p.entry.instances, p.entry.startTimeout, p.entry.stopTimeout))),
  };
}

/** Write atomically (temp file, rename); 'unchanged' when the file already holds exactly this unit. */
function writeUnit(file: string, unit: string, force: boolean, user: boolean): 'created' | 'replaced' | 'unchanged' {
  let current: string | null = null;
  try { current = fs.readFileSync(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw errors.fileWrite(file, describeError(e), remedy(user), { cause: e });
  }
  if (current === unit) return 'unchanged';
  if (current !== null && !force) throw errors.fileExists(file, 'it differs from this unit: compare with `ctl service install --print`, then add --force to replace it');
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomically(file, unit, 0o644);
  } catch (e) {
    throw errors.fileWrite(file, describeError(e), remedy(user), { cause: e });
  }
  return current === null ? 'created' : 'replaced';
}

function remedy(user: boolean): string {
  return user ? 'check the directory\'s permissions, or use --print' : 'a system unit needs root (sudo), or use --user or --print';
}
