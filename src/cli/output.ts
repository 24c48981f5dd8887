import { errorRecord, ExitCode, isAgentdError } from '../errors/index.js';
import { describeError } from '../errors/describe.js';

/**
 * How a failed command ends, the same for every command: one line on stderr (`ctl: what failed;
 * what to do`), for people and logs, as kubectl, docker and systemctl say their errors; under
 * --json also a JSON error object as one line on stdout, where the script reads its data (a
 * streaming command's last line), carrying the exit code the process ends with.
 */
export function reportFailure(error: unknown, json: boolean): ExitCode {
  const exitCode = exitCodeOf(error);
  const message = oneLine(error);
  if (json) process.stdout.write(errorRecord(error, message, exitCode));
  process.stderr.write(`ctl: ${message}\n`);
  if (process.env['DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return exitCode;
}

export function exitCodeOf(error: unknown): ExitCode {
  if (isAgentdError(error)) return error.exitCode;
  // oclif's parse errors (unknown flag, missing argument) are usage errors.
  const e = error as { oclif?: { exit?: number }; parse?: unknown; name?: string };
  if (e?.parse !== undefined || /Parse|Flag|Arg/.test(e?.name ?? '')) return ExitCode.Usage;
  return ExitCode.Failure;
}

/** Multi-line messages (oclif's, for one) folded onto one line. */
export function oneLine(error: unknown): string {
  const text = describeError(error).replace(/\u001b\[[0-9;]*m/g, '');
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}

/** Whether `--json` is among the flags of a command line (not after `--`), parsed or not. */
export function jsonFlagGiven(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}
