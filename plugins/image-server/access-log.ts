import type { IncomingMessage } from 'node:http';
import type { Logger } from 'winston';
import type { ImageResponse } from './responses.js';

/** The fields of one access line; `aborted` only when the client left before the response was done. */
export interface AccessFields {
  method: string;
  path: string;
  status: number;
  bytes: number;
  ms: number;
  remote: string;
  aborted?: true;
}

export type AccessLog = (fields: AccessFields) => void;

/** Paths are logged up to this length: enough to read, too short to flood the log. */
const MAX_PATH = 1024;

/**
 * One info line per request on the plugin's log, through a child logger (`component: "access"`),
 * readable as text (`GET /a.jpg 200 4096B 0.3ms`) and complete as JSON fields.
 */
export function accessLog(log: Logger): AccessLog {
  const access = log.child({ component: 'access' });
  return (f) => access.info(`${f.method} ${f.path} ${f.status} ${f.bytes}B ${f.ms}ms`, f);
}

/** The access fields of a finished (or abandoned) response. */
export function fieldsOf(req: IncomingMessage, res: ImageResponse): AccessFields {
  const url = req.url ?? '-';
  const fields: AccessFields = {
    method: req.method ?? '-',
    path: url.length > MAX_PATH ? `${url.slice(0, MAX_PATH)}…` : url,
    status: res.statusCode,
    bytes: res.bytes,
    ms: Math.round((performance.now() - res.startedAt) * 100) / 100,
    remote: req.socket.remoteAddress ?? '-',
  };
  if (!res.writableFinished) fields.aborted = true;
  return fields;
}
