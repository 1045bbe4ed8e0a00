import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * MongoDB without a server: loading the adapter and compiling every model with its indexes prints
 * no mongoose or driver warning, and the adapter uses no option mongoose 9 deprecates.
 */
describe('the MongoDB adapter prints no warnings', () => {
  it('loads, compiles every model and lists its indexes without printing anything', async () => {
    // A process of its own, as at start: whatever mongoose or the driver prints (deprecations included) is on its stderr.
    const script = `
      const fs = require('node:fs');
      const path = require('node:path');
      const mongoose = require('mongoose');
      require('./server/store/mongo');
      const conn = mongoose.createConnection();
      let compiled = 0;
      for (const file of fs.readdirSync('models').filter((f) => f.endsWith('.ts'))) {
        for (const [name, value] of Object.entries(require(path.resolve('models', file)))) {
          if (!(value instanceof mongoose.Schema)) continue;
          conn.model(file + ':' + name, value).schema.indexes();
          compiled++;
        }
      }
      conn.close().then(() => process.stdout.write(String(compiled)));
    `;
    const root = path.resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(Number(stdout)).toBeGreaterThanOrEqual(12);
  }, 90_000);

  it('asks for updated documents with returnDocument, not the deprecated `new` option', () => {
    const dir = path.resolve(__dirname, '../../server/store/mongo');
    for (const file of fs.readdirSync(dir)) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      expect({ file, uses: /\bnew:\s*(true|false)\b/.test(source) }).toEqual({ file, uses: false });
    }
  });
});
