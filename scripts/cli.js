'use strict';
// `npm run cli -- <command> …`: build if needed, then run the admin command line (exit code 0, 1 or 2: see server/cli.ts).
require('./build-if-needed').buildIfNeeded();
require('../dist/server/cli.js').main(process.argv.slice(2), process.env);
