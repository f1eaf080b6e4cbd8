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

/** What a process stops on its way out (see {@link onShutdown}). */
export interface Shutdown {
  /** Adds something started, to stop on the way out: what was added last is stopped first. */
  add(stop: () => Promise<void> | void): void;
}

/**
 * Stops the process on SIGTERM or SIGINT: stops what was added so far, last first, then exits 0 (1 if stopping
 * failed). A second signal exits at once. Installed before anything starts, so a signal at any moment of a
 * start (even just after it says it is ready) stops the process in order instead of killing it.
 */
export function onShutdown(logger: Logger): Shutdown {
  const started: (() => Promise<void> | void)[] = [];
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    (async () => {
      for (const stop of started.reverse()) await stop();
    })().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return { add: (stop) => void started.push(stop) };
}

/** Last words for a process that cannot start: the message alone, no stack, for a readable terminal. */
export function fatal(logger: Logger, err: unknown): never {
  logger.fatal({ err }, (err as Error).message);
  process.stderr.write(`\n${(err as Error).message}\n`);
  process.exit(1);
}
