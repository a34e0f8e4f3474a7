// `scan.sources` and its neighbours (issue 10): each spec read by the engine's own parser at load time,
// a bad one is a configuration error naming it; credentials never in the file; CIX_SCAN_SOURCES.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, sourcesDataDir } from '../src/config';
import { lookupSettings } from '../src/mattermost/engine-lookup';
import { errorOf, withSite, writeConfig } from './helpers/config-file';
import { makeTempDir } from './helpers/tmp';

describe('scan sources in the configuration', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  const write = (scan: string): string => writeConfig(dir, withSite(scan));

  it('takes every kind of source, with the defaults: no sources, data under <dataDir>/sources, 15 minutes', () => {
    write('');
    const plain = loadConfig({ cwd: dir, env: {} }).config;
    expect(plain.scan).toEqual({ paths: [], sources: [], timeoutMinutes: 15, evidence: false });
    expect(sourcesDataDir(plain)).toBe(join('data', 'sources'));
    expect(lookupSettings(plain)).toEqual({ paths: [], sources: [], dataDir: join('data', 'sources'), timeoutMs: 900_000 });

    mkdirSync(join(dir, 'checkouts'));
    const sources = ['github:acme', 'gitlab:https://gitlab.example.com/platform', 'gitlab:acme/infra', 'circleci:gh/acme', 'https://git.example.com/acme/x.git', 'file:///srv/mirrors/y.git', join(dir, 'checkouts')];
    write(`dataDir: /var/lib/cix\nscan:\n  sources:\n${sources.map((s) => `    - ${JSON.stringify(s)}\n`).join('')}  timeoutMinutes: 5\n`);
    const config = loadConfig({ cwd: dir, env: {} }).config;
    expect(config.scan).toEqual({ paths: [], sources, timeoutMinutes: 5, evidence: false });
    expect(sourcesDataDir(config)).toBe('/var/lib/cix/sources');
    write('scan:\n  sources: [github:acme]\n  dataDir: /srv/cix-sources\n');
    expect(sourcesDataDir(loadConfig({ cwd: dir, env: {} }).config)).toBe('/srv/cix-sources');
  });

  it('scan.evidence: off by default, on from the file or CIX_SCAN_EVIDENCE, anything else refused with its name', () => {
    write('scan:\n  evidence: true\n');
    expect(loadConfig({ cwd: dir, env: {} }).config.scan.evidence).toBe(true);
    expect(lookupSettings(loadConfig({ cwd: dir, env: {} }).config)).toMatchObject({ evidence: true });
    write('');
    expect(loadConfig({ cwd: dir, env: { CIX_SCAN_EVIDENCE: 'true' } }).config.scan.evidence).toBe(true);
    expect(() => loadConfig({ cwd: dir, env: { CIX_SCAN_EVIDENCE: 'yes' } })).toThrow(/scan\.evidence/);
  });

  it('CIX_SCAN_SOURCES (comma-separated), CIX_SCAN_DATA_DIR and CIX_SCAN_TIMEOUT_MINUTES override the file', () => {
    write('scan:\n  sources: [github:acme]\n');
    const { config } = loadConfig({ cwd: dir, env: { CIX_SCAN_SOURCES: 'gitlab:platform, circleci:gh/acme', CIX_SCAN_DATA_DIR: '/srv/m', CIX_SCAN_TIMEOUT_MINUTES: '30' } });
    expect(config.scan).toEqual({ paths: [], sources: ['gitlab:platform', 'circleci:gh/acme'], dataDir: '/srv/m', timeoutMinutes: 30, evidence: false });
  });

  it.each([
    ['github:acme/a/b', 'not a GitHub source: github:acme/a/b (github:ORG or github:OWNER/REPO)'],
    ['circleci:acme', expect.stringMatching(/^.*circleci:acme/)],
    ['bitbucket:acme', expect.stringMatching(/^unknown source "bitbucket:acme" \(one of PATH, a git URL, github:ORG/)],
    ['https://git.example.com/not-git', 'not a git URL: https://git.example.com/not-git (a URL is read with git when it ends in .git, or written git+URL)'],
  ])('a spec the engine refuses (%s) is a configuration error naming it', (spec, reason) => {
    write(`scan:\n  sources:\n    - github:acme\n    - ${JSON.stringify(spec)}\n`);
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.exitCode).toBe(2);
    const prefix = 'configuration file ./ci-exposure.yaml: setting "scan.sources.1": ';
    expect(err.message.startsWith(prefix)).toBe(true);
    expect(err.message.slice(prefix.length)).toEqual(reason);
  });

  it('a bad spec from CIX_SCAN_SOURCES names the variable', () => {
    write('');
    const err = errorOf(() => loadConfig({ cwd: dir, env: { CIX_SCAN_SOURCES: 'github:acme,github:a/b/c' } }));
    expect(err.message).toBe('environment variable CIX_SCAN_SOURCES: setting "scan.sources.1": not a GitHub source: github:a/b/c (github:ORG or github:OWNER/REPO)');
  });

  it('scan.paths stay local folders: a provider or a URL there is an error pointing to scan.sources', () => {
    write('scan:\n  paths: [github:acme]\n');
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toBe(
      'configuration file ./ci-exposure.yaml: setting "scan.paths.0": not a local folder: github:acme (git URLs and providers go in scan.sources)',
    );
  });

  it('a credential in a source URL is refused without repeating it; tokens are not settings', () => {
    write('scan:\n  sources:\n    - https://ci-bot:glpat-s3cr3tvalue@gitlab.example.com/platform/app.git\n');
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.message).toBe(
      'configuration file ./ci-exposure.yaml: setting "scan.sources.0": a source URL must not carry credentials (user:password@ or a token parameter): give tokens in the environment (GITHUB_TOKEN, GITLAB_TOKEN, CIRCLECI_TOKEN)',
    );
    expect(err.message).not.toContain('s3cr3t');
    write('scan:\n  sources: [github:acme]\n  githubToken: ghp_x\n');
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toBe('configuration file ./ci-exposure.yaml: setting "scan": unknown setting "githubToken"');
  });

  it('a time limit must be a positive number of minutes', () => {
    write('scan:\n  timeoutMinutes: 0\n');
    expect(errorOf(() => loadConfig({ cwd: dir, env: {} })).message).toMatch(/^configuration file \.\/ci-exposure\.yaml: setting "scan\.timeoutMinutes": /);
  });
});
