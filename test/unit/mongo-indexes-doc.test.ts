import fs from 'node:fs';
import path from 'node:path';
import { Schema } from 'mongoose';

/**
 * docs/operations.md lists every MongoDB index with the query it serves. Each index declared in
 * models/ (field options included) must have its row, with its options, and no row may name an
 * index that models/ no longer declares. Schemas only: no server, no connection.
 */
const ROOT = path.resolve(__dirname, '../..');

type IndexOptions = { unique?: boolean; expireAfterSeconds?: number; partialFilterExpression?: unknown; name?: string };

function declaredIndexes(): { collection: string; keys: string; options: IndexOptions }[] {
  const out: { collection: string; keys: string; options: IndexOptions }[] = [];
  for (const file of fs.readdirSync(path.join(ROOT, 'models')).filter((f) => f.endsWith('.ts'))) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const value of Object.values(require(path.join(ROOT, 'models', file)) as Record<string, unknown>)) {
      if (!(value instanceof Schema)) continue;
      for (const [fields, options] of value.indexes() as [Record<string, number>, IndexOptions][]) {
        const keys = `{${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
        out.push({ collection: value.get('collection') as string, keys, options });
      }
    }
  }
  return out;
}

/** The rows of the table under "## MongoDB indexes": [collection, index, options, serves]. */
function documentedRows(): string[][] {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## MongoDB indexes'), doc.indexOf('\n## ', doc.indexOf('## MongoDB indexes') + 1));
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Collection') && !l.startsWith('| ---'))
    .map((l) => l.trim().slice(1, -1).split('|').map((c) => c.trim()));
}

describe('docs/operations.md and the indexes in models/', () => {
  const declared = declaredIndexes();
  const rows = documentedRows();

  it('finds the indexes and the table', () => {
    expect(declared.length).toBeGreaterThanOrEqual(20);
    expect(rows.length).toBeGreaterThanOrEqual(20);
  });

  it('lists every declared index with its options and the query it serves', () => {
    for (const index of declared) {
      const row = rows.find((r) => r[0] === index.collection && r[1] === `\`${index.keys}\``);
      expect({ index: `${index.collection} ${index.keys}`, documented: !!row }).toEqual({ index: `${index.collection} ${index.keys}`, documented: true });
      const options = row![2]!;
      expect({ index: index.keys, unique: options.includes('unique') }).toEqual({ index: index.keys, unique: index.options.unique === true });
      expect({ index: index.keys, ttl: options.includes('TTL') }).toEqual({ index: index.keys, ttl: index.options.expireAfterSeconds !== undefined });
      expect({ index: index.keys, partial: options.includes('partial') }).toEqual({ index: index.keys, partial: index.options.partialFilterExpression !== undefined });
      if (index.options.name) expect(options).toContain(`\`${index.options.name}\``);
      expect(row![3]!.length).toBeGreaterThan(10);
    }
  });

  it('lists no index that models/ does not declare', () => {
    const stale = rows.filter((r) => !declared.some((d) => r[0] === d.collection && r[1] === `\`${d.keys}\``));
    expect(stale).toEqual([]);
  });
});
