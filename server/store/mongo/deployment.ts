/**
 * What manyi needs of a MongoDB deployment, decided from the server's own replies (pure: the
 * replies are passed in, so every case is unit-tested without a server):
 * - transactions: a replica set (hello.setName) or a sharded cluster (hello.msg === 'isdbgrid');
 * - server version 6.0 or later;
 * - write concern majority: an acknowledged response survives the loss of the primary.
 */
export const MIN_MONGODB_VERSION = [6, 0] as const;

export interface HelloReply {
  setName?: string;
  msg?: string;
  isWritablePrimary?: boolean;
  [key: string]: unknown;
}

export interface DeploymentFacts {
  hello: HelloReply;
  /** buildInfo.version, e.g. "7.0.14". */
  version: string;
  /** The write concern the app's writes use: the connection string's `w`, else the server's default (getDefaultRWConcern), else undefined. */
  writeConcern: string | number | undefined;
}

export type DeploymentProblem =
  | { kind: 'standalone' }
  | { kind: 'version'; version: string }
  | { kind: 'write-concern'; w: string | number | undefined };

export function deploymentProblems(facts: DeploymentFacts): DeploymentProblem[] {
  const problems: DeploymentProblem[] = [];
  const sharded = facts.hello.msg === 'isdbgrid';
  if (!facts.hello.setName && !sharded) problems.push({ kind: 'standalone' });
  const [major, minor] = facts.version.split('.').map((n) => Number.parseInt(n, 10));
  if (!Number.isFinite(major) || major! < MIN_MONGODB_VERSION[0] || (major === MIN_MONGODB_VERSION[0] && (minor ?? 0) < MIN_MONGODB_VERSION[1])) {
    problems.push({ kind: 'version', version: facts.version });
  }
  if (facts.writeConcern !== 'majority') problems.push({ kind: 'write-concern', w: facts.writeConcern });
  return problems;
}

/** What to tell the person starting the app: what is wrong and what to run. English and Chinese, for the console. */
export function describeProblems(problems: DeploymentProblem[]): string {
  const lines = problems.map((p) => {
    switch (p.kind) {
      case 'standalone':
        return (
          'MongoDB is a standalone server: manyi writes each response in a transaction, which needs a replica set. ' +
          'Start mongod with --replSet rs0 and run rs.initiate() once in mongosh (a one-node replica set is fine), ' +
          'or use the docker-compose.yml in this repository; then add ?replicaSet=rs0 to MONGODB_URI. / ' +
          'MongoDB 是单机模式，不支持事务：请以 --replSet rs0 启动并在 mongosh 中执行一次 rs.initiate()，或使用仓库中的 docker-compose.yml。'
        );
      case 'version':
        return `MongoDB ${p.version} is too old: manyi needs ${MIN_MONGODB_VERSION.join('.')} or later. / MongoDB 版本 ${p.version} 过旧，需要 ${MIN_MONGODB_VERSION.join('.')} 或更高版本。`;
      case 'write-concern':
        return (
          `The write concern is ${p.w === undefined ? 'not majority' : `w=${String(p.w)}`}: an acknowledged response could be lost with the primary. ` +
          'Remove w= from MONGODB_URI or set w=majority (and set the cluster default with setDefaultRWConcern). / ' +
          '写关注不是 majority，主节点故障时已确认的答卷可能丢失：请在 MONGODB_URI 中去掉 w= 或设为 w=majority。'
        );
    }
  });
  return lines.join('\n');
}

export class DeploymentError extends Error {
  constructor(public readonly problems: DeploymentProblem[]) {
    super(describeProblems(problems));
    this.name = 'DeploymentError';
  }
}

/** The admin commands the facts come from; a connection's `db.admin()` has this shape. */
export interface AdminCommands {
  command(cmd: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/**
 * Reads the facts from the server. `clientW` is the write concern configured on the client (from
 * MONGODB_URI); when absent, the server's default applies: an explicit global default, or — since
 * MongoDB 5.0 — the implicit default, which is majority.
 */
export async function readDeploymentFacts(admin: AdminCommands, clientW: string | number | undefined): Promise<DeploymentFacts> {
  const [hello, build] = await Promise.all([admin.command({ hello: 1 }), admin.command({ buildInfo: 1 })]);
  let writeConcern = clientW;
  if (writeConcern === undefined) {
    const rw = await admin.command({ getDefaultRWConcern: 1 }).catch(() => null);
    const explicit = (rw?.defaultWriteConcern as { w?: string | number } | undefined)?.w;
    writeConcern = explicit ?? (rw?.defaultWriteConcernSource === 'implicit' ? 'majority' : undefined);
  }
  return { hello: hello as HelloReply, version: String(build.version ?? '0'), writeConcern };
}
