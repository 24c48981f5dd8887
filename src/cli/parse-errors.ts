import type { Interfaces } from '@oclif/core';
import { errors, isAgentdError, type AgentdError } from '../errors/index.js';
import { closest } from './closest.js';

type ArgDefs = Record<string, Interfaces.Arg<unknown>>;

/**
 * The command's args with each parser made to name its argument when it refuses a value: oclif's
 * own integer parser says "Expected an integer but received: 0" without saying for which one.
 */
export function namedArgParsers(args: ArgDefs | undefined): ArgDefs {
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, arg]) => {
    const parse: typeof arg.parse = async (input, ctx, opts) => {
      try {
        return await arg.parse(input, ctx, opts);
      } catch (e) {
        if (isAgentdError(e)) throw e;
        throw new Error(`${name.toUpperCase()}: ${(e as Error).message}`, { cause: e });
      }
    };
    return [name, { ...arg, parse }];
  }));
}

/**
 * Whatever refuses the command line while oclif parses it (an unknown flag, a missing or extra
 * argument, a value a flag's or an argument's parser rejects) as one usage error (exit 2) that
 * names the flag or argument and says where the help is.
 */
export function usageError(error: unknown, commandId: string | undefined, flagNames: readonly string[] = []): AgentdError {
  const command = ['ctl', ...(commandId ? commandId.split(':') : [])].join(' ');
  return errors.usage(`${describeParseError(error)}${flagGuess(error, flagNames)}; see \`${command} --help\``, { cause: error });
}

/** ` (did you mean --json?)` for a mistyped flag (oclif's NonExistentFlagsError lists them). */
function flagGuess(error: unknown, flagNames: readonly string[]): string {
  const given = (error as { flags?: unknown }).flags;
  if (!Array.isArray(given) || given.length !== 1 || typeof given[0] !== 'string') return '';
  const guess = closest(given[0].replace(/=.*$/, ''), flagNames.map((n) => `--${n}`));
  return guess ? ` (did you mean ${guess}?)` : '';
}

function describeParseError(error: unknown): string {
  const e = error as { message?: string; args?: unknown[] };
  // oclif's RequiredArgsError lists the missing args as a two-column table: name them instead.
  const missing = Array.isArray(e?.args) && e.args.every((a) => typeof a === 'object' && a !== null) ? e.args as Array<{ name: string; description?: string }> : [];
  if (missing.length > 0) return `missing ${missing.map((a) => `${a.name.toUpperCase()}${a.description ? ` (${a.description})` : ''}`).join(', ')}`;
  const text = String(e?.message ?? error)
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\n?See more help with --help\s*$/, '')
    // A flag parser's failure, as oclif wraps it: "Parsing --lines \n\tExpected an integer …".
    .replace(/^Parsing (--\S+)\s*\n\t/, '$1: ')
    // A flag relationship (exclusive) is listed under a heading, with the flag's value attached:
    // "The following error occurred:\n  --user=true cannot also be provided when using --run-as".
    .replace(/^The following errors? occurred:\s*/, '')
    .replace(/--([\w-]+)(?:=\S*)? cannot also be provided when using --([\w-]+)/g, '--$2 and --$1 cannot be given together: use one');
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
  // Our messages are lowercase fragments after `ctl: `, oclif's sentences are not.
  return line.replace(/^([A-Z])(?=[a-z ])/, (c) => c.toLowerCase()).replace(/: ([A-Z])(?=[a-z ])/, (_, c: string) => `: ${c.toLowerCase()}`);
}
