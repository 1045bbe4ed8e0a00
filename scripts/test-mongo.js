'use strict';
// `npm run test:mongo`: the whole suite, then the stress suite, on the MongoDB replica set that
// MONGODB_URI names (each test file's stores in databases of their own, dropped after). Refuses to
// start without MONGODB_URI: run on SQLite, the suite would pass without touching MongoDB at all.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');

const HOW = [
  'npm run test:mongo needs MONGODB_URI: the connection string of a MongoDB replica set (6.0 or later)',
  'whose user may create and drop databases; the tests make one database per store, named after the',
  'test file (e.g. manyi_t_respond_1a2b3c4d5e), and drop it afterwards. For example:',
  '',
  '  docker run -d --name manyi-mongo -p 27017:27017 mongo:7 --replSet rs0 --bind_ip_all',
  "  docker exec manyi-mongo mongosh --quiet --eval \"rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})\"",
  "  MONGODB_URI='mongodb://localhost:27017/manyi?replicaSet=rs0' npm run test:mongo",
  '',
  'npm run test:mongo 需要 MONGODB_URI：一个 MongoDB 副本集（6.0 或更高版本）的连接串，其用户须能创建和删除数据库；',
  '测试为每个存储新建以测试文件命名的数据库，结束后删除。不设置 MONGODB_URI 时请用 npm test（SQLite）。',
].join('\n');

const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error(`MONGODB_URI is not set. / 未设置 MONGODB_URI。\n\n${HOW}`);
  process.exit(2);
}
if (!/^mongodb(\+srv)?:\/\//.test(uri)) {
  console.error(`MONGODB_URI must start with mongodb:// or mongodb+srv://. / MONGODB_URI 须以 mongodb:// 或 mongodb+srv:// 开头。\n\n${HOW}`);
  process.exit(2);
}

const jest = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);
let status = 0;
for (const [name, config] of [
  ['the whole suite', []],
  ['the stress suite', ['--config', 'jest.stress.config.js']],
]) {
  console.log(`\n== test:mongo: ${name} on MongoDB ==`);
  const run = spawnSync(process.execPath, [jest, ...config, ...extra], { cwd: ROOT, stdio: 'inherit', env: process.env });
  if (run.status !== 0) status = run.status ?? 1;
}
process.exit(status);
