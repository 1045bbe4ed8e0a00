/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // The load and crash suites take minutes: `npm run test:stress` (jest.stress.config.js) runs them.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/stress/'],
  testMatch: ['**/*.test.ts'],
  // tsconfig has isolatedModules: ts-jest only transpiles; `npm run typecheck` type-checks.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 60000,
  maxWorkers: 2,
};
