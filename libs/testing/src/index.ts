export * from './databases';
export * from './factories';
export * from './test-env';
export * from './wait';
