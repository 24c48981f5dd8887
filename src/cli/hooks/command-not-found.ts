import type { Hook } from '@oclif/core';
import { errors } from '../../errors/index.js';
import { reportFailure } from '../output.js';

/**
 * `ctl nosuch` and `ctl plugins lst`: the one-line usage error every other refusal gives (exit 2),
 * pointing at the help of the nearest topic, instead of oclif's ` ›   Error: command … not found`.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const words = opts.id.split(':');
  let topic = words.slice(0, -1);
  while (topic.length > 0 && !opts.config.findTopic(topic.join(':'))) topic = topic.slice(0, -1);
  const help = ['ctl', 'help', ...topic].join(' ');
  const error = errors.usage(`unknown command ${JSON.stringify(words.join(' '))}; see \`${help}\` for the commands`);
  this.exit(reportFailure(error, opts.argv?.includes('--json') ?? false));
};

export default hook;
