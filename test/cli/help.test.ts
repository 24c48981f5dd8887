import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Config } from '@oclif/core';
import { ctl } from '../helpers/cli.js';
import { ROOT } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('every ctl command has a summary and examples', async (t) => {
  const config = await Config.load(ROOT);
  const ours = config.commands.filter((c) => c.pluginName === 'agentd');
  t.true(ours.length >= 15);
  for (const command of ours) {
    t.truthy(command.summary, `${command.id} has a summary`);
    t.true((command.examples ?? []).length > 0, `${command.id} has examples`);
  }
  t.truthy(ours.find((c) => c.id === 'service:install'));
  t.truthy(ours.find((c) => c.id === 'plugins:new'));
});

test('ctl --help lists the commands; ctl COMMAND --help shows flags and examples', async (t) => {
  const help = await ctl(['--help']);
  t.is(help.code, 0);
  for (const word of ['start', 'stop', 'status', 'plugins', 'service', 'autocomplete']) t.regex(help.stdout, new RegExp(`^\\s+${word}\\s`, 'm'));
  const install = await ctl(['service', 'install', '--help']);
  t.is(install.code, 0);
  t.regex(install.stdout, /^EXAMPLES\n\s+\$ ctl service install --user$/m);
  t.regex(install.stdout, /--mode=<option>/);
  const scaffold = await ctl(['plugins', 'new', '--help']);
  t.regex(scaffold.stdout, /^USAGE\n\s+\$ ctl plugins new NAME/m);
  t.regex(scaffold.stdout, /\$ ctl plugins new hello --dir/);
  // The help command's own help has examples too, and an unknown subject is a usage error.
  const helpHelp = await ctl(['help', '--help']);
  t.is(helpHelp.code, 0);
  t.regex(helpHelp.stdout, /^EXAMPLES\n\s+\$ ctl help$/m);
  t.regex(helpHelp.stdout, /\$ ctl help plugins scale/);
  const helpOfHelp = await ctl(['help', 'help']);
  t.is(helpOfHelp.code, 0);
  t.is(helpOfHelp.stdout, helpHelp.stdout, '`ctl help help` is the help command\'s help, not the root help');
  t.regex((await ctl(['help', 'plugins', 'scale'])).stdout, /^USAGE\n\s+\$ ctl plugins scale NAME INSTANCES/m);
  // The argument is named as the README and the error messages name it.
  t.regex((await ctl(['rpc', '--help'])).stdout, /^USAGE\n\s+\$ ctl rpc \[METHOD\] \[PARAMS_JSON\]/m);
  const unknown = await ctl(['help', 'nosuch']);
  t.is(unknown.code, 2);
  t.is(unknown.stderr.trim(), 'ctl: no command or topic "nosuch"; see `ctl help` for the commands');
});

test('ctl autocomplete bash: the completion function completes commands, subcommands and flags', async (t) => {
  const home = tempHome(t, 'ac');
  const env = { HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') };
  const setup = await ctl(['autocomplete', 'bash'], { env });
  t.is(setup.code, 0, setup.stderr);
  t.regex(setup.stdout, /ctl autocomplete script bash/);
  const script = await ctl(['autocomplete', 'script', 'bash'], { env });
  t.regex(script.stdout, /CTL_AC_BASH_SETUP_PATH=.*bash_setup/);

  // Complete as bash would, after the line `ctl autocomplete script bash` adds to ~/.bashrc.
  const complete = (...words: string[]) => {
    const program = `${script.stdout.trim()}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'\n_ctl_autocomplete; echo "\${COMPREPLY[*]}"`;
    const run = spawnSync('bash', ['-c', program], { encoding: 'utf8', env: { ...process.env, ...env } });
    return run.stdout.trim();
  };
  t.is(complete('ctl', 'serv'), 'service');
  t.is(complete('ctl', 'service', ''), 'install');
  t.is(complete('ctl', 'service', 'install', '--wat'), '--watchdog');
  t.is(complete('ctl', 'plugins', 'ne'), 'new');
});
