import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { resolveSessionSecret } from './secrets';
import type { Deps } from './services/context';
import { SYSTEM_ACTOR } from './services/context';
import { seedDemo } from './services/demo-seed';
import { EXPORT_FORMATS, exportResponses, type ExportFormat } from './services/exports';
import { parseFilters } from './services/statistics';
import { getSurvey } from './services/surveys';
import { rebuildTallies } from './services/tallies';
import { createApiToken } from './services/tokens';
import { createUser, findUserOrFail, generatePassword } from './services/users';
import { AppError } from './errors';
import { translate } from './i18n';
import { openStore } from './store';

const USAGE = `manyi command line

  npm run cli -- create-user --username U --role admin|evaluator|station|viewer [--sites CODE,CODE] [--password P]
      Creates a user. Without --password a strong one is generated and printed once.
  npm run cli -- create-token --username U [--scope read|write] [--name NAME]
      Creates an API token for /api/v1 and prints it once (only its hash is stored).
  npm run cli -- check-db
      Opens the configured store and reports what it holds.
  npm run cli -- rebuild-tallies [--survey ID]
      Recomputes the tallies of one survey (or all) from their responses and says whether they had drifted.
  npm run cli -- export --survey ID --format csv|xlsx|ndjson --out FILE [--raw] [--codes]
      Streams a survey's responses to a file (valid responses unless --raw).
  npm run cli -- seed-demo
      Fills an EMPTY store with the labelled demonstration data (stations, survey, responses, evaluation).

Configuration comes from the same environment variables as the server (see README).`;

type Command = (deps: Deps, args: string[]) => Promise<void>;

function parse(args: string[], options: Record<string, { type: 'string' }>) {
  return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | undefined>;
}

function required(values: Record<string, string | undefined>, name: string): string {
  const v = values[name];
  if (!v) throw new UsageError(`--${name} is required / 缺少参数 --${name}`);
  return v;
}

class UsageError extends Error {}

export const COMMANDS: Record<string, Command> = {
  async 'create-user'(deps, args) {
    const v = parse(args, { username: { type: 'string' }, role: { type: 'string' }, sites: { type: 'string' }, password: { type: 'string' } });
    const password = v.password ?? generatePassword();
    const user = await createUser(deps, {
      username: required(v, 'username'),
      role: required(v, 'role'),
      password,
      siteIds: v.sites ? v.sites.split(',').map((s) => s.trim()).filter(Boolean) : [],
    });
    console.log(`created ${user.role} ${user.username}`);
    if (!v.password) console.log(`password (shown once / 只显示一次): ${password}`);
  },
  async 'create-token'(deps, args) {
    const v = parse(args, { username: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' } });
    const user = await findUserOrFail(deps, required(v, 'username'));
    const { token, record } = await createApiToken(deps, user, { scope: v.scope ?? 'read', name: v.name ?? 'cli' });
    console.log(`token for ${user.username} (${record.scope}), shown once / 只显示一次:`);
    console.log(token);
  },
  async 'rebuild-tallies'(deps, args) {
    const v = parse(args, { survey: { type: 'string' } });
    const ids = v.survey ? [(await getSurvey(deps, v.survey)).id] : (await deps.store.surveys.list()).map((s) => s.id);
    for (const id of ids) {
      const started = Date.now();
      const r = await rebuildTallies(deps, id);
      console.log(`${id}: ${r.groups} tally groups rebuilt in ${Date.now() - started} ms; ${r.hadDrifted ? `they had drifted (${r.difference})` : 'they already matched'}`);
    }
  },
  async export(deps, args) {
    const v = parseArgs({ args, options: { survey: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, raw: { type: 'boolean' }, codes: { type: 'boolean' } }, strict: true }).values;
    const format = v.format ?? 'csv';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be csv, xlsx or ndjson / 格式只能是 csv、xlsx 或 ndjson`);
    const survey = await getSurvey(deps, required(v as Record<string, string | undefined>, 'survey'));
    const out = fs.createWriteStream(required(v as Record<string, string | undefined>, 'out'), { flags: 'wx' });
    const rows = await exportResponses(deps, SYSTEM_ACTOR, { surveyId: survey.id, filters: parseFilters(v.raw ? { mode: 'raw' } : {}), format: format as ExportFormat, options: { locale: 'zh-CN', codes: Boolean(v.codes) } }, out);
    console.log(`${rows} responses written to ${v.out}`);
  },
  async 'seed-demo'(deps) {
    const result = await seedDemo(deps, {});
    if (!result.seeded) throw new UsageError('the store is not empty: demo data is only added to an empty store / 数据库非空，不添加演示数据');
    console.log(`demo data: ${result.sites} stations, ${result.responses} responses; user ${result.username}${result.generatedPassword ? `, password (shown once / 只显示一次): ${result.password}` : ''}`);
  },
  async 'check-db'(deps) {
    await deps.store.ping();
    const [users, sites, surveys] = await Promise.all([deps.store.users.count(), deps.store.sites.list(), deps.store.surveys.list()]);
    console.log(`store: ${deps.store.kind} ok; users ${users}, sites ${sites.length}, surveys ${surveys.length}, responses ${surveys.reduce((n, s) => n + s.responseCount, 0)}`);
  },
};

export async function runCli(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command "${name}" / 未知命令\n\n${USAGE}`);
    return 2;
  }
  let deps: Deps | null = null;
  try {
    const config = resolveSessionSecret(loadConfig(env));
    const store = await openStore(config);
    deps = { config, store, clock: () => new Date(), logger: createLogger({ logLevel: 'warn' }) };
    await command(deps, args);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof AppError) {
      const detail = err.fields ? Object.entries(err.fields).map(([k, f]) => `${k}: ${translate('en', f.key, f.params)} / ${translate('zh-CN', f.key, f.params)}`).join('\n') : '';
      console.error(`${translate('en', err.messageKey, err.params)} / ${translate('zh-CN', err.messageKey, err.params)}${detail ? '\n' + detail : ''}`);
    } else if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
    } else console.error(err);
    return 1;
  } finally {
    await deps?.store.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2), process.env).then((code) => {
    process.exitCode = code;
  });
}
