import fc from 'fast-check';
import { isValidDatabaseName, testDatabaseName, testStoreKind, withDatabase } from '../helpers/store';

/**
 * Under `npm run test:mongo` every store a test opens is a MongoDB database of its own, named after
 * the test file. The name and the connection string are derived without a server: checked here.
 */
describe('the MongoDB database a test file gets', () => {
  const URI = 'mongodb://localhost:27017/manyi?replicaSet=rs0';

  it('is named after the URI\'s database, the test file and a suffix', () => {
    expect(testDatabaseName(URI, '/work/manyi/test/http/respond.test.ts', '1a2b3c4d5e')).toBe('manyi_t_respond_1a2b3c4d5e');
    expect(testDatabaseName(URI, 'test/e2e/review.e2e.test.ts', 'ff00')).toBe('manyi_t_review_ff00');
    expect(testDatabaseName('mongodb://h1:27017,h2:27017/?replicaSet=rs0', 'test/store/mongo.test.ts', 'ab')).toBe('manyi_t_mongo_ab');
    expect(testDatabaseName('mongodb://localhost/City-Survey', 'test/cli/cli-commands.test.ts', 'ab')).toBe('city_survey_t_cli_commands_ab');
  });

  it('is a name MongoDB accepts, whatever the file and the URI\'s database are called', () => {
    const awkward = ['测试 文件.test.ts', 'a.b.c.test.ts', `${'x'.repeat(300)}.test.ts`, '$weird "name".test.ts', '.test.ts', 'C:\\repo\\test\\http\\api.test.ts'];
    for (const file of awkward) expect(isValidDatabaseName(testDatabaseName(URI, file, 'abcdef0123'))).toBe(true);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 200 }), fc.stringMatching(/^[0-9a-f]{1,12}$/), (database, file, suffix) => {
        const uri = `mongodb://localhost:27017/${encodeURIComponent(database)}?replicaSet=rs0`;
        const name = testDatabaseName(uri, file, suffix);
        expect(isValidDatabaseName(name)).toBe(true);
        expect(name.endsWith(`_${suffix}`)).toBe(true);
      }),
    );
  });

  it('differs for every suffix, so stores opened at once never share a database', () => {
    const names = new Set(['0a', '0b', '1a', 'ffff'].map((s) => testDatabaseName(URI, 'test/http/api.test.ts', s)));
    expect(names.size).toBe(4);
  });

  it('knows which names MongoDB refuses', () => {
    for (const bad of ['', 'a.b', 'a/b', 'a\\b', 'a b', 'a$b', 'a"b', 'a*b', 'a<b', 'a>b', 'a:b', 'a|b', 'a?b', 'a\0b', 'x'.repeat(64), '库'.repeat(22)]) {
      expect({ bad, valid: isValidDatabaseName(bad) }).toEqual({ bad, valid: false });
    }
    expect(isValidDatabaseName('x'.repeat(63))).toBe(true);
  });

  it('is reached by the same connection string with only the database changed', () => {
    expect(withDatabase(URI, 'manyi_t_api_ab')).toBe('mongodb://localhost:27017/manyi_t_api_ab?replicaSet=rs0');
    expect(withDatabase('mongodb://h1:27017,h2:27018,h3/?replicaSet=rs0&w=majority', 'd')).toBe('mongodb://h1:27017,h2:27018,h3/d?replicaSet=rs0&w=majority');
    expect(withDatabase('mongodb://localhost', 'd')).toBe('mongodb://localhost/d');
  });

  it('keeps authenticating where the URI did: against its database, or admin, unless authSource says otherwise', () => {
    expect(withDatabase('mongodb://app:s3cret@db1,db2/city?replicaSet=rs0', 'd')).toBe('mongodb://app:s3cret@db1,db2/d?replicaSet=rs0&authSource=city');
    expect(withDatabase('mongodb+srv://app:s3cret@cluster0.example.net/', 'd')).toBe('mongodb+srv://app:s3cret@cluster0.example.net/d?authSource=admin');
    expect(withDatabase('mongodb://app:s3cret@db1/city?authSource=users', 'd')).toBe('mongodb://app:s3cret@db1/d?authSource=users');
  });

  it('refuses a connection string that is not MongoDB\'s', () => {
    expect(() => withDatabase('postgres://localhost/db', 'd')).toThrow(/mongodb:\/\//);
  });

  it('is used only when MONGODB_URI is set', () => {
    expect(testStoreKind({})).toBe('sqlite');
    expect(testStoreKind({ MONGODB_URI: '' })).toBe('sqlite');
    expect(testStoreKind({ MONGODB_URI: URI })).toBe('mongodb');
  });
});
