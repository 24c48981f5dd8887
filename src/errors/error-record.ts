import { isAgentdError } from './agentd-error.js';
import { ExitCode } from './exit-codes.js';

/**
 * The one JSON line a failure ends stdout with under `--json`, from `ctl` and from a core run by
 * `ctl start --foreground --json` alike: `{"error":{code,message,exitCode,data}}`, `exitCode`
 * being the exit code of the process. It has no `time`, which every log record on that stdout has.
 */
export function errorRecord(error: unknown, message: string, exitCode: number): string {
  const code = isAgentdError(error) ? error.code : exitCode === ExitCode.Usage ? 'E_USAGE' : 'E_FAILED';
  return `${JSON.stringify({ error: { code, message, exitCode, data: isAgentdError(error) ? error.data : {} } })}\n`;
}
