/**
 * The parts of winston agentd uses, imported from their own files. winston's index loads every
 * transport and format up front (files, HTTP, console colours, timestamp formatting): about 2 MB of
 * RSS in the core and in each plugin host, for code no agentd process runs. The deep paths are
 * pinned by package-lock.json; test/logging covers every part through the real loggers.
 */
import type winston from 'winston';
import createLoggerImpl from 'winston/lib/winston/create-logger.js';
import combineImpl from 'logform/combine.js';
import errorsImpl from 'logform/errors.js';
import formatImpl from 'logform/format.js';

export type Logger = winston.Logger;
export type Format = winston.Logform.Format;
export type Transport = winston.transport;

export const createLogger: typeof winston.createLogger = createLoggerImpl;
export const format = {
  combine: combineImpl,
  errors: errorsImpl,
  custom: formatImpl,
};
