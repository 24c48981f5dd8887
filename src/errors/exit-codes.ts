/**
 * Process exit codes of every `ctl` command. They are API: scripts branch on them, so a value never
 * changes meaning. Listed in the README under "Exit codes".
 */
export const ExitCode = {
  /** The command did what it was asked. */
  Ok: 0,
  /** The command failed; stderr holds one line saying what and what to do. */
  Failure: 1,
  /** The command line was wrong (unknown flag, missing argument, malformed JSON). */
  Usage: 2,
  /** The daemon is not running (`ctl status`, and commands that need a running daemon). */
  NotRunning: 3,
  /**
   * The configuration is what is wrong (a bad field, an unreadable or missing file, a key given
   * twice): EX_CONFIG of sysexits.h, which systemd names CONFIG. Trying again cannot help until
   * someone edits the file, so the generated unit lists it in RestartPreventExitStatus=.
   */
  Config: 78,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
