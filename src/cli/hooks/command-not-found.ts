import type { Hook } from '@oclif/core';
import { errors } from '../../errors/index.js';
import { closest } from '../closest.js';
import { jsonFlagGiven, reportFailure } from '../output.js';

/**
 * `ctl stauts` and `ctl plugins lst`: the one-line usage error every other refusal gives (exit 2),
 * with the nearest command when one is close (`did you mean \`ctl status\``), else pointing at the
 * help of the nearest topic, instead of oclif's ` ›   Error: command … not found`.
 */
const hook: Hook.CommandNotFound = async function (opts) {
  const words = opts.id.split(':');
  const unknown = `unknown command ${JSON.stringify(words.join(' '))}`;
  const guess = closest(opts.id, [...opts.config.commandIDs, ...opts.config.topics.map((t) => t.name)]);
  let topic = words.slice(0, -1);
  while (topic.length > 0 && !opts.config.findTopic(topic.join(':'))) topic = topic.slice(0, -1);
  const help = ['ctl', 'help', ...topic].join(' ');
  const error = errors.usage(guess
    ? `${unknown}; did you mean \`ctl ${guess.replaceAll(':', ' ')}\`? (\`${help}\` lists the commands)`
    : `${unknown}; see \`${help}\` for the commands`);
  this.exit(reportFailure(error, jsonFlagGiven(opts.argv ?? [])));
};

export default hook;
