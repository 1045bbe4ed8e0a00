import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config';
import { ROOT_DIR } from './paths';
import { resolveSessionSecret } from './secrets';
import { seedDemo } from './services/demo-seed';
import { failStart, startServer } from './start-server';

/**
 * `npm run demo`: the app on its own demo database (DEMO_DATA_DIR, default ./demo-data, never
 * ./data, always SQLite), filled with labelled demo data on the first start. With main.ts and
 * cli.ts, the only modules with side effects.
 */
async function demo(): Promise<void> {
  const dataDir = path.resolve(process.env.DEMO_DATA_DIR || path.join(ROOT_DIR, 'demo-data'));
  let config: Config;
  try {
    config = resolveSessionSecret(loadConfig({ ...process.env, DATA_DIR: dataDir, MONGODB_URI: '' }));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  const ignored = process.env.MONGODB_URI ? ['  演示只使用 SQLite，已忽略 MONGODB_URI / The demo uses SQLite only: MONGODB_URI ignored.'] : [];
  await startServer(config, {
    title: '满意 manyi 演示 DEMO is running',
    publicBaseUrlGiven: Boolean(process.env.PUBLIC_BASE_URL),
    sessionSecretGiven: Boolean(process.env.SESSION_SECRET),
    async prepare(deps) {
      const result = await seedDemo(deps, { password: process.env.DEMO_PASSWORD || null });
      if (!result.seeded) return [...ignored, '', `  演示数据库已有数据，未重新生成；删除 ${dataDir} 可重新开始 / Demo database not empty: nothing seeded (delete ${dataDir} to start over).`];
      return [
        ...ignored,
        '',
        `  已生成演示数据 / Demo data created: ${result.sites} 个示例站点 stations, 1 份问卷 survey, ${result.responses} 份答卷 responses, ${result.cases} 件差评工单 cases, 1 份绩效评价 evaluation`,
        `    用户名 username: ${result.username}`,
        result.generatedPassword ? `    密码 password:   ${result.password}` : '    密码 password:   DEMO_PASSWORD',
        ...(result.generatedPassword ? ['  此密码只显示这一次，请立即记下 / This password is shown only once: write it down now.'] : []),
        `  评分表 Scorecard: http://localhost:${config.port}/admin/evaluations/${result.evaluationId}`,
        `  以评促改 Cases:   http://localhost:${config.port}/admin/surveys/${result.surveyId}/cases`,
      ];
    },
  });
}

demo().catch(failStart);
