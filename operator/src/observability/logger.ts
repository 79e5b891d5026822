// winston JSON lines on stdout, one object per event, like the model server's. Callers pass
// structured fields (namespace, name, durations, counts), never request bodies or secrets.
import winston from 'winston';

export type Logger = winston.Logger;

export function createLogger(level = 'info', component = 'operator'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    defaultMeta: { component },
    transports: [new winston.transports.Console()],
  });
}

/** Exits once the logger has written what it holds (winston writes asynchronously). */
export function exitAfterFlush(logger: Logger, code: number): void {
  process.exitCode = code;
  const exit = (): never => process.exit(code);
  logger.once('finish', () => setImmediate(exit));
  logger.end();
  setTimeout(exit, 2000).unref();
}
