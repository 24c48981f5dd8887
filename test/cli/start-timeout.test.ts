import test from 'ava';
import { fixture } from '../helpers/daemon.js';
import { startInHome } from '../helpers/cli.js';

test('ctl start past its --timeout names the plugins still starting, and not the ones that are up', async (t) => {
  const config = {
    plugins: {
      'never-ready': { module: fixture('never-ready'), startTimeout: '60s' },
      forever: { module: fixture('forever') },
    },
  };
  const { started } = await startInHome(t, { 'agentd.config.json': JSON.stringify(config) }, ['--timeout', '4s']);
  t.is(started.code, 1, started.stderr);
  t.regex(started.stderr, /^ctl: agentd did not report ready within 4000 ms and was stopped: plugins still starting: never-ready;/);
  t.notRegex(started.stderr, /forever/);
});
