/** `npm run test:stress`: load, crash and retry tests against real server processes (minutes, not seconds). */
const base = require('./jest.config');
// forceExit: fetch's keep-alive pool to the killed server processes would otherwise keep jest waiting.
module.exports = { ...base, roots: ['<rootDir>/test/stress'], testPathIgnorePatterns: ['/node_modules/'], testTimeout: 300000, maxWorkers: 1, forceExit: true };
