'use strict';
// `npm run demo`: build if needed, then run the app on its own demo database (./demo-data, never
// ./data; DEMO_DATA_DIR chooses another folder), seeded with labelled demo data on the first start.
const path = require('node:path');
require('./build-if-needed').buildIfNeeded();
process.env.NODE_ENV = process.env.NODE_ENV || 'production';
process.env.DATA_DIR = path.resolve(process.env.DEMO_DATA_DIR || path.join(__dirname, '..', 'demo-data'));
process.env.DEMO_DATA_DIR = process.env.DATA_DIR;
process.env.PORT = process.env.PORT || '3000';
require('../dist/server/demo.js');
