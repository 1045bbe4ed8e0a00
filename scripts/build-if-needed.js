'use strict';
// Builds dist/ with tsc when any source file is newer than the last build (used by start and cli).
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith('.ts')) latest = Math.max(latest, fs.statSync(full).mtimeMs);
  }
  return latest;
}

function buildIfNeeded(force = false) {
  const sources = Math.max(newest(path.join(root, 'server')), newest(path.join(root, 'models')), fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
  if (!force && built >= sources) return;
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  } catch {
    console.error('dist/ is missing or out of date and TypeScript is not installed: run `npm install` (or `npm run build` where dev dependencies exist).');
    process.exit(1);
  }
  process.stderr.write('Building manyi (tsc)…\n');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  fs.writeFileSync(stamp, new Date().toISOString());
}

module.exports = { buildIfNeeded };
if (require.main === module) buildIfNeeded(process.argv.includes('--force'));
