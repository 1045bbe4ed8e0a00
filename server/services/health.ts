import type { Deps } from './context';

export interface Readiness {
  ready: boolean;
  store: 'sqlite' | 'mongodb';
  /** Why not, in a word or two (e.g. "standalone, write-concern"); never connection details. */
  reason?: string;
}

/** Whether the app can take a response now: the store answers and (MongoDB) is still a deployment manyi can rely on. */
export async function checkReadiness(deps: Pick<Deps, 'store' | 'logger'>): Promise<Readiness> {
  try {
    await deps.store.ping();
    return { ready: true, store: deps.store.kind };
  } catch (err) {
    deps.logger.warn({ err }, 'store not ready');
    const problems = (err as { problems?: { kind: string }[] }).problems;
    return { ready: false, store: deps.store.kind, reason: problems ? problems.map((p) => p.kind).join(', ') : 'unreachable' };
  }
}
