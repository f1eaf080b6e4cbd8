/**
 * The only module that reads `process.env`. Everything else receives a validated, frozen {@link Config}.
 */
export { CONFIG_VARIABLES, type Config, ConfigError, concurrencyVariable, loadConfig } from './config';
