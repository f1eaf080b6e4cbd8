/** Tests run on the machine's real Postgres and Redis; each file gets its own database and queue prefix. */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e.ts'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  // A worker that has finished its files runs its exit handlers at once, with nothing left open, and then takes
  // 0.45–0.52 s on this 2-core VM to tear down its ~700 MB heap: jest's default grace of 0.5 s called that a
  // leak. 1.5 s still catches a real one (ioredis's 2 s disconnect timer was one).
  workerGracefulExitTimeout: 1500,
};
