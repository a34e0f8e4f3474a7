// `scan.jenkinsLibraries` (issue 10): which repository holds each Jenkins shared library, checked at load
// time by the engine's own rules (a bad one is a configuration error naming it; no credentials in a URL),
// carried to the lookup, where a Jenkinsfile's library is fetched from it.
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { computeLookup, lookupSettings, lookupSettingsSchema } from '../src/mattermost/engine-lookup';
import { errorOf, withSite, writeConfig } from './helpers/config-file';
import { CODECOV_TARGET, makeJenkinsLibraryFixture } from './helpers/jenkins-library';
import { makeTempDir } from './helpers/tmp';

jest.setTimeout(30_000);

describe('scan.jenkinsLibraries in the configuration', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir()));
  afterEach(() => cleanup());

  const write = (scan: string): string => writeConfig(dir, withSite(scan));

  it('absent by default; given, it reaches the lookup settings (and crosses the worker boundary)', () => {
    write('');
    expect(loadConfig({ cwd: dir, env: {} }).config.scan.jenkinsLibraries).toBeUndefined();
    write('scan:\n  jenkinsLibraries:\n    - name: ci-lib\n      url: https://git.example.com/acme/ci-lib.git\n      defaultVersion: main\n    - { name: deploy, url: "git@git.example.com:acme/deploy.git", implicit: true }\n');
    const { config } = loadConfig({ cwd: dir, env: {} });
    const libraries = [
      { name: 'ci-lib', url: 'https://git.example.com/acme/ci-lib.git', defaultVersion: 'main' },
      { name: 'deploy', url: 'git@git.example.com:acme/deploy.git', implicit: true },
    ];
    expect(config.scan.jenkinsLibraries).toEqual(libraries);
    const settings = lookupSettings(config);
    expect(settings.jenkinsLibraries).toEqual(libraries);
    expect(lookupSettingsSchema.parse(JSON.parse(JSON.stringify(settings)))).toEqual(settings);
  });

  it.each([
    [
      '- { name: ci-lib, url: "https://bob:s3cret@git.example.com/acme/ci-lib.git" }',
      'setting "scan.jenkinsLibraries.0.url": a source URL must not carry credentials (user:password@ or a token parameter): give tokens in the environment (GITHUB_TOKEN, GITLAB_TOKEN, CIRCLECI_TOKEN)',
    ],
    ['- { name: ci-lib, url: "https://git.example.com/x.git?private_token=abc" }', 'setting "scan.jenkinsLibraries.0.url": a source URL must not carry credentials (user:password@ or a token parameter): give tokens in the environment (GITHUB_TOKEN, GITLAB_TOKEN, CIRCLECI_TOKEN)'],
    ['- { name: a, url: "https://h/a.git" }\n    - { name: b, url: "ftp://h/b" }', 'setting "scan.jenkinsLibraries.1": library b: not a git URL: ftp://h/b (https://…, ssh://…, git://…, file:///…, user@host:path.git)'],
    ['- { name: a, url: "https://h/a.git" }\n    - { name: a, url: "https://h/b.git" }', 'setting "scan.jenkinsLibraries.1": library a is mapped twice'],
    ['- { name: a, url: "https://h/a.git", defaultVersion: "--upload-pack=x" }', 'setting "scan.jenkinsLibraries.0": library a: "--upload-pack=x" is not a branch, tag or commit'],
    ['- { name: a, url: "https://h/a.git", credentialsId: github }', 'setting "scan.jenkinsLibraries.0": unknown setting "credentialsId"'],
  ])('%s is refused at load, naming the setting (never the credential)', (item, message) => {
    write(`scan:\n  jenkinsLibraries:\n    ${item}\n`);
    const err = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(`configuration file ./ci-exposure.yaml: ${message}`);
    expect(err.message).not.toContain('s3cret');
    expect(err.message).not.toContain('abc');
  });
});

describe('the lookup fetches a mapped Jenkins library', () => {
  it('a local checkout whose Jenkinsfile loads ci-lib@v1: affected; without the mapping, unresolved', async () => {
    const tmp = makeTempDir();
    try {
      const { lib, checkouts } = makeJenkinsLibraryFixture(tmp.dir, "@Library('ci-lib@v1') _\nnode {\n  stage('Coverage') {\n    codecov()\n  }\n}\n");
      const report = z.object({ summary: z.object({ affected: z.number() }), unresolved: z.array(z.object({ ref: z.string(), reason: z.string() })) });

      const mapped = lookupSettings({ scan: { paths: [checkouts], jenkinsLibraries: [{ name: 'ci-lib', url: lib.url }], dataDir: join(tmp.dir, 'data') } });
      const hit = report.parse(JSON.parse((await computeLookup(mapped, CODECOV_TARGET, { env: {} })).json));
      expect(hit.unresolved).toEqual([]);
      expect(hit.summary.affected).toBe(1);

      // Without a mapping a local checkout is scanned without fetching (as before): the library stays unresolved.
      const unmapped = lookupSettings({ scan: { paths: [checkouts], dataDir: join(tmp.dir, 'data2') } });
      const miss = report.parse(JSON.parse((await computeLookup(unmapped, CODECOV_TARGET, { env: {} })).json));
      expect(miss.summary.affected).toBe(0);
      expect(miss.unresolved.map((u) => u.ref)).toEqual(['ci-lib@v1/codecov']);
    } finally {
      tmp.cleanup();
    }
  });
});
