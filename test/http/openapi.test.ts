import { listRoutes } from '../../server/http/routes-list';
import { openApiDocument } from '../../server/routes/api/openapi';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI document', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is served as OpenAPI 3.1 to an authenticated client', async () => {
    const { agent } = await loginAs(t, 'viewer');
    const res = await agent.get('/api/v1/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.servers[0].url).toBe('http://manyi.test/api/v1');
  });

  it('documents every registered /api/v1 route and names no route that does not exist', () => {
    const registered = new Set(
      listRoutes(t.app)
        .filter((r) => r.path.startsWith('/api/v1/'))
        .map((r) => `${r.method} ${r.path.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}')}`),
    );
    const doc = openApiDocument('http://x');
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item as object).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const undocumented = [...registered].filter((r) => !documented.has(r)).sort();
    const missing = [...documented].filter((d) => !registered.has(d)).sort();
    expect({ undocumented, missing }).toEqual({ undocumented: [], missing: [] });
  });

  it('says for every operation whether a read-only token may call it', () => {
    const doc = openApiDocument('http://x');
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, { 'x-scope': string }>)) {
        expect(`${method} ${path} ${op['x-scope']}`).toBe(`${method} ${path} ${method === 'get' ? 'read' : 'write'}`);
      }
    }
  });
});
