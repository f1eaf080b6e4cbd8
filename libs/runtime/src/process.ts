import { type Config, ConfigError, loadConfig } from '@customer-hub/config';
import { createLogger, type Logger } from '@customer-hub/logging';

/** Loads config and a logger for a process, or exits 1 with the config problems spelled out. */
export function bootstrap(name: string): { config: Config; logger: Logger } {
  try {
    const config = loadConfig();
    return { config, logger: createLogger({ level: config.logLevel, name }) };
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: ${err.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits 0 (1 if stopping failed). A second signal exits at once.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Last words for a process that cannot start: the message alone, no stack, for a readable terminal. */
export function fatal(logger: Logger, err: unknown): never {
  logger.fatal({ err }, (err as Error).message);
  process.stderr.write(`\n${(err as Error).message}\n`);
  process.exit(1);
}
