import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { UserError } from '../src/errors';
import { makeTempDir } from './helpers/tmp';

describe('loadConfig', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  function write(text: string, name = 'ci-exposure.yaml'): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  function errorOf(fn: () => unknown): UserError {
    try {
      fn();
    } catch (err) {
      if (err instanceof UserError) return err;
      throw err;
    }
    throw new Error('expected a UserError');
  }

  it('reads a minimal file and fills defaults', () => {
    write('mattermost:\n  siteUrl: http://localhost:8065/\n');
    const { config } = loadConfig({ cwd: dir, env: {} });
    expect(config.mattermost.siteUrl).toBe('http://localhost:8065');
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8787 });
    expect(config.dataDir).toBe('data');
    expect(config.log.level).toBe('info');
  });

  it('names the missing default file and exits 2', () => {
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('./ci-exposure.yaml not found');
    expect(err.message).not.toContain('\n');
  });

  it('names the setting and the file for a missing required setting', () => {
    const file = write('listen:\n  port: 9000\n', 'other.yaml');
    const err = errorOf(() => loadConfig({ file, cwd: dir, env: {} }));
    expect(err.message).toBe(`configuration file ${file}: setting "mattermost": required setting is missing`);
  });

  it('names a wrong value', () => {
    write('mattermost:\n  siteUrl: not a url\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toMatch(/^configuration file \.\/ci-exposure\.yaml: setting "mattermost\.siteUrl": /);
  });

  it('refuses unknown settings rather than ignoring a typo', () => {
    write('mattermost:\n  siteUrl: http://mm\n  siteurl: http://typo\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toContain('unknown setting "siteurl"');
  });

  it('locates invalid YAML by line and column', () => {
    write('mattermost:\n  siteUrl: [unclosed\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toMatch(/ci-exposure\.yaml:\d+:\d+: invalid YAML/);
  });

  it('applies CIX_* overrides and blames the variable when one is wrong', () => {
    write('mattermost:\n  siteUrl: http://mm\n');
    const { config } = loadConfig({
      cwd: dir,
      env: { CIX_LISTEN_PORT: '9123', CIX_MATTERMOST_SECURITY_TEAM: 'alice, bob', CIX_LOG_LEVEL: 'debug' },
    });
    expect(config.listen.port).toBe(9123);
    expect(config.mattermost.securityTeam).toEqual(['alice', 'bob']);
    expect(config.log.level).toBe('debug');

    const err = errorOf(() => loadConfig({ cwd: dir, env: { CIX_LISTEN_PORT: 'eighty' } }));
    expect(err.message).toMatch(/^environment variable CIX_LISTEN_PORT: setting "listen\.port": /);
  });

  it('lets the environment supply a required setting the file lacks', () => {
    write('listen:\n  port: 0\n');
    const { config } = loadConfig({ cwd: dir, env: { CIX_MATTERMOST_SITE_URL: 'https://chat.example.com' } });
    expect(config.mattermost.siteUrl).toBe('https://chat.example.com');
  });
});
