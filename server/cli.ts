import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../models/user';
import { ConfigError, loadConfig } from './config';
import { codePointName, firstForbidden } from './domain/text-input';
import { AppError, NotFoundError } from './errors';
import { translate, type Locale, type MessageKey } from './i18n';
import { createLogger } from './logger';
import { resolveSessionSecret } from './secrets';
import type { Deps } from './services/context';
import { SYSTEM_ACTOR } from './services/context';
import type { ExportFormat } from './services/exports';
import { describeStore, surveyIdsToRebuild } from './services/maintenance';
import { parseFilters } from './services/statistics';
import { getSurvey } from './services/surveys';
import { checkTallies, rebuildTallies } from './services/tallies';
import { createApiToken } from './services/tokens';
import { createUser, findUserOrFail, generatePassword, resetPassword } from './services/users';
import { openStore } from './store';

/**
 * Exit codes: 0 done; 1 the command was understood but could not be done (no such user, unknown
 * station, store unreachable, bad configuration…); 2 the command line itself is wrong (no or unknown
 * command, unknown option, missing argument, a value outside the listed choices).
 */
export const EXIT = { done: 0, failed: 1, usage: 2 } as const;

/** The command line is wrong: exit 2, with the usage. */
class UsageError extends Error {}
/** Understood but not possible: exit 1, with the reason. */
class CommandFailure extends Error {}

/** Every message in English and Chinese on one line, as operators of either language read the same console. */
const bilingual = (render: (locale: Locale) => string) => `${render('en')} / ${render('zh-CN')}`;
const both = (key: MessageKey, params?: Record<string, string | number>) => bilingual((l) => translate(l, key, params));

const USAGE: [string, MessageKey][] = [
  ['npm run cli -- create-user --username U --role admin|evaluator|station|viewer [--sites CODE,CODE] [--password P]', 'cli.createUser'],
  ['npm run cli -- create-token --username U [--scope read|write] [--name NAME]', 'cli.createToken'],
  ['npm run cli -- reset-password --username U', 'cli.resetPassword'],
  ['npm run cli -- check-db', 'cli.checkDb'],
  ['npm run cli -- rebuild-tallies [--survey ID]', 'cli.rebuildTallies'],
  ['npm run cli -- export --survey ID --format csv|xlsx|ndjson --out FILE [--raw] [--codes]', 'cli.export'],
  ['npm run cli -- seed-demo', 'cli.seedDemo'],
  ['npm run cli -- help', 'cli.help'],
];

export function usage(): string {
  const lines = [both('cli.title'), ''];
  for (const [syntax, key] of USAGE) lines.push(`  ${syntax}`, `      ${translate('en', key)}`, `      ${translate('zh-CN', key)}`);
  lines.push('', translate('en', 'cli.config'), translate('zh-CN', 'cli.config'), translate('en', 'cli.exitCodes'), translate('zh-CN', 'cli.exitCodes'));
  return lines.join('\n');
}

type Spec = Record<string, { type: 'string' | 'boolean' }>;
type Values = Record<string, string | boolean | undefined>;

function parse(args: string[], spec: Spec): Values {
  let values: Values;
  try {
    values = parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (!e.code?.startsWith('ERR_PARSE_ARGS')) throw err;
    // Node's message, to its first sentence: "Unknown option '--bogus'", "Option '--username <value>' argument missing".
    throw new UsageError(both('cli.badArgument', { detail: (e.message ?? '').split(/\.\s/)[0]! }));
  }
  return normaliseArguments(values);
}

/**
 * Arguments go through the same input rules as every other string (server/domain/text-input.ts):
 * NFC, and a character that is never stored (a control character, a lone surrogate, a bidi
 * override…) is a wrong command line, named by its option. A password is kept exactly as typed.
 */
function normaliseArguments(values: Values): Values {
  const out: Values = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value !== 'string') {
      out[name] = value;
      continue;
    }
    const bad = firstForbidden(value);
    if (bad !== null) throw new UsageError(both('cli.badCharacter', { name, char: codePointName(bad) }));
    out[name] = name === 'password' ? value : value.normalize('NFC');
  }
  return out;
}

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(both('cli.required', { name }));
  return v.trim();
}

function choice<C extends string>(values: Values, name: string, choices: readonly C[], fallback?: C): C {
  const v = values[name];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as C;
  throw new UsageError(both('cli.choice', { name, choices: choices.join('|') }));
}

interface Context {
  deps: Deps;
  /** The folder the person ran the command in (npm runs scripts in the package folder). */
  cwd: string;
}

/** A command: its arguments are checked before any store is opened, so a typo costs nothing. */
interface Command {
  parse(args: string[]): Values;
  run(ctx: Context, options: Values): Promise<void>;
}

/** A survey named on the command line: a wrong ID is the operator's mistake, said in their terms. */
async function surveyNamed<T>(id: string, find: () => Promise<T>): Promise<T> {
  try {
    return await find();
  } catch (err) {
    if (err instanceof NotFoundError) throw new CommandFailure(both('cli.surveyNotFound', { id }));
    throw err;
  }
}

/*
 * Loaded on first use: the spreadsheet library behind exports and the demo seed take more than a
 * second to load, which every command would pay; only export and seed-demo need them. This file
 * compiles to CommonJS, so a plain require is what a static import would have been.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const exportsService = () => require('./services/exports') as typeof import('./services/exports');
const demoSeedService = () => require('./services/demo-seed') as typeof import('./services/demo-seed');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Every export format, checked by the compiler against the service's list (without loading the service). */
const EXPORT_FORMATS = Object.keys({ csv: true, xlsx: true, ndjson: true } satisfies Record<ExportFormat, true>) as ExportFormat[];

const roleName = (locale: Locale, role: Role) => translate(locale, `role.${role}` as MessageKey);

export const COMMANDS: Record<string, Command> = {
  'create-user': {
    parse(args) {
      const v = parse(args, { username: { type: 'string' }, role: { type: 'string' }, sites: { type: 'string' }, password: { type: 'string' } });
      return { ...v, username: required(v, 'username'), role: choice(v, 'role', ROLES) };
    },
    async run({ deps }, o) {
      const password = typeof o.password === 'string' ? o.password : generatePassword();
      const sites = typeof o.sites === 'string' ? o.sites.split(',').map((s) => s.trim()).filter(Boolean) : [];
      const user = await createUser(deps, { username: o.username, role: o.role, password, siteIds: sites });
      console.log(bilingual((l) => translate(l, 'cli.created', { role: roleName(l, user.role), username: user.username })));
      if (typeof o.password !== 'string') console.log(`${both('cli.passwordOnce')}: ${password}`);
    },
  },
  'create-token': {
    parse(args) {
      const v = parse(args, { username: { type: 'string' }, scope: { type: 'string' }, name: { type: 'string' } });
      return { username: required(v, 'username'), scope: choice(v, 'scope', ['read', 'write'] as const, 'read'), name: typeof v.name === 'string' ? v.name : 'cli' };
    },
    async run({ deps }, o) {
      const user = await findUserOrFail(deps, String(o.username));
      const { token, record } = await createApiToken(deps, user, { scope: o.scope, name: o.name });
      console.log(`${both('cli.tokenOnce', { username: user.username, scope: record.scope })}:`);
      console.log(token);
    },
  },
  'reset-password': {
    parse(args) {
      return { username: required(parse(args, { username: { type: 'string' } }), 'username') };
    },
    async run({ deps }, o) {
      const user = await findUserOrFail(deps, String(o.username));
      const { password } = await resetPassword(deps, SYSTEM_ACTOR, user.id);
      console.log(`${both('cli.reset', { username: user.username })}: ${password}`);
    },
  },
  'check-db': {
    parse(args) {
      return parse(args, {});
    },
    async run({ deps }) {
      const s = await describeStore(deps);
      console.log(both('cli.store', { kind: s.kind, users: s.users, sites: s.sites, surveys: s.surveys.length, responses: s.responses }));
      if (s.surveys.length) console.log(both('cli.surveys'));
      let differ = 0;
      for (const survey of s.surveys) {
        console.log(`  ${survey.id}  ${survey.status}  ${survey.responseCount}  ${survey.title}`);
        const c = await checkTallies(deps, survey.id);
        if (!c.same) differ++;
        console.log(`    ${both(c.same ? 'cli.talliesCheckSame' : 'cli.talliesCheckDiffer', { pending: c.pending, difference: c.difference ?? '', id: survey.id })}`);
      }
      if (differ) throw new CommandFailure(both('cli.talliesDiffer', { count: differ }));
    },
  },
  'rebuild-tallies': {
    parse(args) {
      return parse(args, { survey: { type: 'string' } });
    },
    async run({ deps }, o) {
      const ids = await surveyNamed(String(o.survey), () => surveyIdsToRebuild(deps, typeof o.survey === 'string' ? o.survey : undefined));
      if (!ids.length) console.log(both('cli.noSurveys'));
      for (const id of ids) {
        const started = Date.now();
        const r = await rebuildTallies(deps, id);
        const params = { id, groups: r.groups, ms: Date.now() - started, difference: r.difference ?? '' };
        console.log(both(r.hadDrifted ? 'cli.talliesDrifted' : 'cli.talliesMatched', params));
      }
    },
  },
  export: {
    parse(args) {
      const v = parse(args, { survey: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, raw: { type: 'boolean' }, codes: { type: 'boolean' } });
      return { survey: required(v, 'survey'), format: choice(v, 'format', EXPORT_FORMATS, 'csv'), out: required(v, 'out'), raw: v.raw === true, codes: v.codes === true };
    },
    async run({ deps, cwd }, o) {
      const survey = await surveyNamed(String(o.survey), () => getSurvey(deps, String(o.survey)));
      const file = path.resolve(cwd, String(o.out));
      let fd: number;
      try {
        // 'wx': never overwrite a file that is already there.
        fd = fs.openSync(file, 'wx');
      } catch (err) {
        const code = (err as { code?: string }).code;
        throw new CommandFailure(code === 'EEXIST' ? both('cli.fileExists', { file }) : both('cli.cannotWrite', { file, reason: code ?? String(err) }));
      }
      const out = fs.createWriteStream(file, { fd });
      const { exportResponses } = exportsService();
      const rows = await exportResponses(
        deps,
        SYSTEM_ACTOR,
        {
          surveyId: survey.id,
          filters: parseFilters(o.raw ? { mode: 'raw' } : {}),
          format: o.format as ExportFormat,
          options: { locale: 'zh-CN', codes: o.codes === true },
        },
        out,
      );
      console.log(both('cli.exported', { rows, file }));
    },
  },
  'seed-demo': {
    parse(args) {
      return parse(args, {});
    },
    async run({ deps }) {
      const { seedDemo } = demoSeedService();
      const result = await seedDemo(deps, {});
      if (!result.seeded) throw new CommandFailure(both('cli.storeNotEmpty'));
      console.log(both('cli.demo', { sites: result.sites, responses: result.responses, surveyId: result.surveyId, username: result.username, cases: result.cases }));
      if (result.generatedPassword) console.log(`${both('cli.passwordOnce')}: ${result.password}`);
    },
  },
};

function report(err: unknown): void {
  if (err instanceof ConfigError || err instanceof CommandFailure) console.error(err.message);
  else if (err instanceof AppError) {
    const fields = Object.entries(err.fields ?? {}).map(([k, f]) => `${k}: ${both(f.key, f.params)}`);
    console.error([both(err.messageKey, err.params), ...fields].join('\n'));
  } else console.error(err);
}

/** Runs one command and returns its exit code (see EXIT). Prints to stdout and stderr; never exits. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, cwd = env.INIT_CWD || process.cwd()): Promise<number> {
  const [name, ...args] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return EXIT.done;
  }
  if (!name) {
    console.error(usage());
    return EXIT.usage;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`${both('cli.unknownCommand', { name })}\n\n${usage()}`);
    return EXIT.usage;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage());
    return EXIT.done;
  }
  let options: Values;
  try {
    options = command.parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage()}`);
    return EXIT.usage;
  }
  let deps: Deps | null = null;
  try {
    const config = resolveSessionSecret(loadConfig(env));
    const store = await openStore(config);
    deps = { config, store, clock: () => new Date(), logger: createLogger({ logLevel: 'warn' }) };
    await command.run({ deps, cwd }, options);
    return EXIT.done;
  } catch (err) {
    report(err);
    return EXIT.failed;
  } finally {
    await deps?.store.close();
  }
}

/** The entry of `npm run cli` (scripts/cli.js): runs the command and sets the process's exit code. */
export async function main(argv: string[] = process.argv.slice(2), env: Record<string, string | undefined> = process.env): Promise<number> {
  const code = await runCli(argv, env);
  process.exitCode = code;
  return code;
}
