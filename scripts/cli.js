'use strict';
// `npm run cli -- <command> …`: build if needed, then run the admin command line.
require('./build-if-needed').buildIfNeeded();
require('../dist/server/cli.js');
