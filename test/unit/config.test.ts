import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_DOCS, ConfigError, loadConfig } from '../../server/config';

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      mongodbUri: null,
      publicBaseUrl: 'http://localhost:3000',
      sessionSecret: '',
      adminUsername: 'admin',
      adminPassword: null,
      timeZone: 'Asia/Shanghai',
      logLevel: 'info',
      defaultLocale: 'zh-CN',
      production: false,
      secureCookies: false,
    });
    expect(c.dataDir).toBe(path.resolve('./data'));
  });

  it('names every invalid variable and what is wrong with it', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MONGODB_URI: 'postgres://x', PUBLIC_BASE_URL: 'localhost', SESSION_SECRET: 'short', TZ: 'Mars/Base', DEFAULT_LOCALE: 'fr', ADMIN_PASSWORD: '123' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.key).sort();
    expect(keys).toEqual(['ADMIN_PASSWORD', 'DEFAULT_LOCALE', 'MONGODB_URI', 'PORT', 'PUBLIC_BASE_URL', 'SESSION_SECRET', 'TZ']);
    expect((error as ConfigError).message).toContain('TZ: must be an IANA time zone such as Asia/Shanghai (got "Mars/Base")');
  });

  it('derives secure cookies from an https PUBLIC_BASE_URL and strips its trailing slash', () => {
    const c = loadConfig({ PUBLIC_BASE_URL: 'https://manyi.example.org/', NODE_ENV: 'production', TRUST_PROXY: '1' });
    expect(c).toMatchObject({ publicBaseUrl: 'https://manyi.example.org', secureCookies: true, production: true, trustProxy: 1 });
  });

  it('is documented: every key appears in README.md and .env.example', () => {
    const root = path.resolve(__dirname, '..', '..');
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const key of Object.keys(CONFIG_DOCS)) {
      expect(readme).toContain(`\`${key}\``);
      expect(example).toMatch(new RegExp(`^#? ?${key}=`, 'm'));
    }
  });
});
