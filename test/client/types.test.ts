import { execFile } from 'node:child_process';
import path from 'node:path';
import test from 'ava';
import { ROOT } from '../helpers/daemon.js';

// The typed client's and definePlugin's promises are compile-time ones: checked by compiling files
// of calls (client-calls.ts) and plugin shapes (plugin-shapes.ts), where each wrong one carries a
// ts-expect-error marker (an unused marker is itself an error).
test('wrong core calls and wrong plugin shapes do not compile; plugin methods and right shapes do', async (t) => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const project = path.join(ROOT, 'test', 'fixtures', 'types', 'tsconfig.json');
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile(process.execPath, [tsc, '-p', project], { cwd: ROOT, timeout: 120_000 }, (e, stdout, stderr) => {
      resolve({ code: e ? Number(e.code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
  t.is(r.code, 0, r.out);
  t.is(r.out, '');
});
