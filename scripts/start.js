'use strict';
// `npm start`: build if needed, then run the server in production mode (views cached, no stack traces).
require('./build-if-needed').buildIfNeeded();
process.env.NODE_ENV = process.env.NODE_ENV || 'production';
require('../dist/server/main.js');
