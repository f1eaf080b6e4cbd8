import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs on stdout, one object a line. Secrets never reach them: authorization headers, cookies and token
 * fields are redacted wherever they appear.
 */
export function createLogger(options: { level: string; name: string }): Logger {
  return pino({
    name: options.name,
    level: options.level,
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.token', '*.password'],
      censor: '[redacted]',
    },
  });
}
