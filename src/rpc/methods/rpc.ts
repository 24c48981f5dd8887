import * as v from 'valibot';
import { defineMethod } from '../descriptor.js';
import { MethodInfoSchema } from '../wire-types.js';
import { noParams } from './params.js';

export const rpcMethods = defineMethod({
  name: 'rpc.methods',
  summary: 'Every method the socket answers, core and plugin, with its summary and its params and result schemas.',
  params: noParams,
  result: v.array(MethodInfoSchema),
});
