import { defineMethod, returns } from '../descriptor.js';
import type { MethodInfo } from '../wire-types.js';
import { noParams } from './params.js';

export const rpcMethods = defineMethod({
  name: 'rpc.methods',
  summary: 'Every method the socket answers, core and plugin, with its summary and params schema.',
  params: noParams,
  result: returns<MethodInfo[]>(),
});
