import fs from 'node:fs';
import path from 'node:path';

/**
 * Routes stay thin: they parse, call a service and render. A route that reads the store directly
 * skips the service's checks (permissions, ids that name nothing, normalisation), as the exports
 * page's survey list and the API's version list once did. Building a rate limiter is the one
 * exception: it is middleware made once around the store's counter, not a read.
 */
const ROUTES = path.join(__dirname, '../../server/routes');
const ALLOWED = /\blimiter\(deps\.store,/;

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('layers', () => {
  it('keeps every route away from the store: routes call services', () => {
    const offending: string[] = [];
    for (const file of files(ROUTES)) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bdeps\.store\b|\.store\.(surveys|sites|responses|users|evaluations|publications|tallies|audit)\b/.test(line) && !ALLOWED.test(line)) offending.push(`${path.relative(ROUTES, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offending).toEqual([]);
  });
});
