/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['reflect-metadata', '<rootDir>/test/setup/isolate-system-config.js'],
  testTimeout: 30000,
  // Real-server suites share the machine's two cores; keep parallelism modest.
  maxWorkers: 2,
  // A worker past this is replaced between test files: a jest worker that ends the run holding a heap of
  // half a gigabyte took longer than jest's 500 ms to exit ("failed to exit gracefully"), with no handle left open.
  workerIdleMemoryLimit: '300MB',
  reporters: ['default', '<rootDir>/test/setup/summary-reporter.js'],
};
