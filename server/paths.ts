import fs from 'node:fs';
import path from 'node:path';

/** The project root (the folder with package.json), both from server/ (tests) and dist/server/ (built). */
function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
  return dir;
}

export const ROOT_DIR = findRoot(__dirname);
export const VIEWS_DIR = path.join(ROOT_DIR, 'views');
export const PUBLIC_DIR = path.join(ROOT_DIR, 'public');
export const CHART_JS_DIR = path.join(ROOT_DIR, 'node_modules', 'chart.js', 'dist');
