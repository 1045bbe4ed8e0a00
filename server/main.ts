import { ConfigError, loadConfig, type Config } from './config';
import { resolveSessionSecret } from './secrets';
import { failStart, startServer } from './start-server';

/** The only module with side effects (with demo.ts and cli.ts): configuration → store → app → listen, and a clean shutdown. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = resolveSessionSecret(loadConfig(process.env));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  await startServer(config, { publicBaseUrlGiven: Boolean(process.env.PUBLIC_BASE_URL), sessionSecretGiven: Boolean(process.env.SESSION_SECRET) });
}

main().catch(failStart);
