import { checkReadiness } from '../../server/services/health';
import { DeploymentError, deploymentProblems, describeProblems, readDeploymentFacts, type AdminCommands } from '../../server/store/mongo/deployment';

/** hello replies as servers send them (trimmed to the fields that matter). */
const STANDALONE = { isWritablePrimary: true, maxWireVersion: 21, ok: 1 };
const REPLICA_SET = { isWritablePrimary: true, setName: 'rs0', hosts: ['mongo:27017'], primary: 'mongo:27017', ok: 1 };
const MONGOS = { isWritablePrimary: true, msg: 'isdbgrid', ok: 1 };

describe('the MongoDB deployment check at start and in /readyz', () => {
  it('accepts a replica set or a sharded cluster (mongos) of 6.0 or later with majority writes', () => {
    expect(deploymentProblems({ hello: REPLICA_SET, version: '7.0.14', writeConcern: 'majority' })).toEqual([]);
    expect(deploymentProblems({ hello: MONGOS, version: '6.0.0', writeConcern: 'majority' })).toEqual([]);
  });

  it('refuses a standalone server, saying to initiate a replica set', () => {
    const problems = deploymentProblems({ hello: STANDALONE, version: '7.0.14', writeConcern: 'majority' });
    expect(problems).toEqual([{ kind: 'standalone' }]);
    expect(describeProblems(problems)).toContain('rs.initiate()');
    expect(describeProblems(problems)).toContain('docker-compose.yml');
  });

  it('refuses a 5.0 server, naming the version needed', () => {
    const problems = deploymentProblems({ hello: REPLICA_SET, version: '5.0.26', writeConcern: 'majority' });
    expect(problems).toEqual([{ kind: 'version', version: '5.0.26' }]);
    expect(describeProblems(problems)).toContain('6.0 or later');
  });

  it('refuses writes acknowledged before a majority has them', () => {
    expect(deploymentProblems({ hello: REPLICA_SET, version: '7.0.2', writeConcern: 1 })).toEqual([{ kind: 'write-concern', w: 1 }]);
    expect(deploymentProblems({ hello: REPLICA_SET, version: '7.0.2', writeConcern: undefined })).toEqual([{ kind: 'write-concern', w: undefined }]);
  });

  it('lists every problem of a standalone 4.4 server with w=1 at once', () => {
    expect(deploymentProblems({ hello: STANDALONE, version: '4.4.29', writeConcern: 1 }).map((p) => p.kind)).toEqual(['standalone', 'version', 'write-concern']);
  });

  it('reads the write concern from the client, else the server default, explicit or implicit (majority since 5.0)', async () => {
    const admin = (rw: Record<string, unknown> | Error): AdminCommands => ({
      async command(cmd) {
        if ('hello' in cmd) return REPLICA_SET;
        if ('buildInfo' in cmd) return { version: '7.0.14', ok: 1 };
        if (rw instanceof Error) throw rw;
        return rw;
      },
    });
    expect((await readDeploymentFacts(admin({ defaultWriteConcernSource: 'implicit', ok: 1 }), undefined)).writeConcern).toBe('majority');
    expect((await readDeploymentFacts(admin({ defaultWriteConcern: { w: 1 }, defaultWriteConcernSource: 'global', ok: 1 }), undefined)).writeConcern).toBe(1);
    expect((await readDeploymentFacts(admin({ ok: 1 }), 'majority')).writeConcern).toBe('majority');
    expect((await readDeploymentFacts(admin(new Error('not authorized')), undefined)).writeConcern).toBeUndefined();
    expect((await readDeploymentFacts(admin({ ok: 1 }), undefined)).version).toBe('7.0.14');
  });
});

describe('readiness', () => {
  it('names the deployment problems, or "unreachable", when the store is not ready', async () => {
    const logger = { warn: () => undefined } as never;
    const store = (ping: () => Promise<void>) => ({ kind: 'mongodb' as const, ping }) as never;
    expect(await checkReadiness({ store: store(async () => undefined), logger })).toEqual({ ready: true, store: 'mongodb' });
    expect(await checkReadiness({ store: store(async () => Promise.reject(new DeploymentError([{ kind: 'standalone' }]))), logger })).toEqual({
      ready: false,
      store: 'mongodb',
      reason: 'standalone',
    });
    expect(await checkReadiness({ store: store(async () => Promise.reject(new Error('ECONNREFUSED'))), logger })).toEqual({ ready: false, store: 'mongodb', reason: 'unreachable' });
  });
});
