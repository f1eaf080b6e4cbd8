export * from './databases';
export * from './factories';
export * from './ports';
export * from './test-env';
export * from './wait';
