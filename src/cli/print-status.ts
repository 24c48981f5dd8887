import { ExitCode } from '../errors/index.js';
import { reportFailure } from './output.js';
import { renderNotRunning, renderStatus } from './render/status.js';
import { terminalColumns } from './render/table.js';
import { queryStatus } from './status-query.js';

/**
 * `ctl status`, whole: query, print (table or JSON), and the exit code (0 running, 3 not
 * running). Shared by the oclif command and the fast path in bin/run.js that skips oclif.
 */
export async function printStatus(home: string, json: boolean): Promise<ExitCode> {
  try {
    const answer = await queryStatus(home);
    const out = answer.running
      ? (json ? JSON.stringify({ running: true, ...answer.status }, null, 2) : renderStatus(answer.status, terminalColumns()))
      : (json ? JSON.stringify({ running: false, home: answer.home }, null, 2) : renderNotRunning(answer.home));
    process.stdout.write(`${out}\n`);
    return answer.running ? ExitCode.Ok : ExitCode.NotRunning;
  } catch (error) {
    return reportFailure(error, json);
  }
}
