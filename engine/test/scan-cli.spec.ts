/**
 * The `scan` and `indicators` commands as a user runs them: the built CLI (`make test` builds the
 * engine first; run `npm run build -w engine` before running this file alone).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CLI, REPO_ROOT, runCliProcess } from './helpers/cli-process';
import { makeTempDir } from './helpers/tmp';

const ORG = 'examples/org';
const CACHE = 'examples/cache';
const ISSUE_9 = 'engine/src/core/indicators/__fixtures__';
const ISSUE_9_BAD_NOTATION = `${ISSUE_9}/issue-9-bad-notation.json`;

function oneLineError(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).toMatch(/^ci-exposure: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

const jsonReport = z.object({
  indicator: z.object({ id: z.string(), title: z.string() }),
  summary: z.object({
    repos: z.number(),
    files: z.number(),
    jobs: z.number(),
    affected: z.number(),
    unresolved: z.number(),
    errors: z.number(),
    complete: z.boolean(),
    incomplete: z.array(z.string()),
  }),
  findings: z.array(
    z.object({
      repo: z.string(),
      file: z.string(),
      line: z.number(),
      platform: z.string(),
      workflow: z.string(),
      job: z.string(),
      jobId: z.string(),
      affected: z.boolean(),
      chain: z.array(z.object({ kind: z.string(), ref: z.string() })),
      exposure: z.object({ contexts: z.array(z.string()), secrets: z.array(z.string()), permissions: z.string(), oidc: z.boolean(), selfHosted: z.boolean(), triggers: z.array(z.string()) }),
      tamper: z.array(z.object({ via: z.string(), consumers: z.array(z.object({ job: z.string(), holds: z.array(z.string()) })) })),
      verdict: z.enum(['critical', 'high', 'medium', 'low', 'none']),
      ruleIds: z.array(z.string()),
      reasons: z.array(z.string()),
      advice: z.array(z.string()),
    }),
  ),
  unresolved: z.array(z.object({ repo: z.string(), file: z.string(), line: z.number(), ref: z.string(), reason: z.string() })),
  errors: z.array(z.object({ repo: z.string(), file: z.string(), line: z.number(), message: z.string() })),
});

describe('ci-exposure scan (built CLI)', () => {
  it('make scan equivalent: the examples against every catalog incident, exit 1, every platform found', async () => {
    const r = await runCliProcess(['scan', ORG, '--cache', CACHE]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('== codecov-bash-uploader-2021');
    expect(r.stdout).toContain('== actions-cool-2026-05');
    expect(r.stdout).toMatch(/critical\s+acme\/shared-context/);
    expect(r.stdout).toMatch(/low\s+acme\/coverage-isolated/);
    expect(r.stdout).toContain('plugin-ci/coverage → codecov/upload → curl');
    expect(r.stdout).toContain('./.github/actions/coverage → tj-actions/changed-files@v45');
    expect(r.stdout).toContain('acme/ci-templates@main → curl -s https://codecov.io/bash');
    expect(r.stdout).toMatch(/unresolved: acme\/shared-context .*circleci\/slack@4\.1\.0/);
    // acme/go-service: what the jobs run from the repository — a Makefile target's script, a Dockerfile's base image.
    expect(r.stdout).toMatch(/high\s+acme\/go-service\s+\.github\/workflows\/ci\.yml:17 .*make coverage → scripts\/cover\.sh \(Makefile:12\) → bash <\(/);
    expect(r.stdout).toMatch(/critical\s+acme\/go-service\s+\.github\/workflows\/ci\.yml:31 .*build\/Dockerfile → aquasec\/trivy:latest \(build\/Dockerfile:7\)/);
    expect(r.stdout).toMatch(/11 indicators checked over 8 repositories/);
  });

  it('JSON: exactly the issue shape; a SHA pin of codecov-action is still flagged', async () => {
    const r = await runCliProcess(['scan', ORG, '--cache', CACHE, '--indicator', 'codecov-bash-uploader-2021', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = jsonReport.strict().parse(JSON.parse(r.stdout));
    expect(report.indicator.id).toBe('codecov-bash-uploader-2021');
    const byRepo = new Map(report.findings.map((f) => [f.repo, f]));
    expect(byRepo.get('acme/shared-context')).toMatchObject({ affected: true, verdict: 'critical', exposure: { contexts: ['deploy-creds'] } });
    expect(byRepo.get('acme/coverage-isolated')).toMatchObject({ affected: true, verdict: 'low' });
    expect(byRepo.get('acme/mattermost-plugin')?.chain.map((l) => l.ref)).toEqual(['plugin-ci/coverage', 'codecov/upload', expect.stringMatching(/^curl -s https:\/\/codecov\.io\/bash/)]);
    // A SHA pin of codecov-action is not proof: its v1 releases fetched the script at run time.
    expect(byRepo.get('acme/pinned-app')).toMatchObject({ affected: true, reasons: expect.arrayContaining([expect.stringMatching(/a pin does not freeze what runs/)]) });
    expect(byRepo.get('acme/gitlab-service')?.platform).toBe('gitlab-ci');
  });

  it('exit 3 when nothing affected was found but the scan is incomplete, and the report says why', async () => {
    const tmp = makeTempDir('cix-incomplete-');
    try {
      const empty = join(tmp.dir, 'empty');
      mkdirSync(join(empty, 'src'), { recursive: true });
      writeFileSync(join(empty, 'src', 'main.ts'), 'export {};\n');
      const malformed = join(tmp.dir, 'malformed');
      mkdirSync(join(malformed, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(malformed, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  a:\n    steps: [\n');
      const unresolved = join(tmp.dir, 'unresolved');
      mkdirSync(join(unresolved, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(unresolved, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/wrapper@v1\n');

      const none = await runCliProcess(['scan', empty, '--indicator', 'codecov-bash-uploader-2021']);
      expect(none.code).toBe(3);
      expect(none.stdout).toContain('INCOMPLETE: no pipeline file was found in the given paths');

      const bad = await runCliProcess(['scan', malformed, '--indicator', 'codecov-bash-uploader-2021', '--format', 'json']);
      expect(bad.code).toBe(3);
      const badReport = jsonReport.strict().parse(JSON.parse(bad.stdout));
      expect(badReport.summary).toMatchObject({ complete: false, incomplete: [expect.stringMatching(/^1 input error/)] });
      expect(badReport.errors[0]).toMatchObject({ file: '.github/workflows/ci.yml', message: expect.stringMatching(/^yaml-/) });

      // An action whose source is not available might run the component: not proof of a clean result.
      const unread = await runCliProcess(['scan', unresolved, '--indicator', 'codecov-bash-uploader-2021', '--format', 'json']);
      expect(unread.code).toBe(3);
      const unreadReport = jsonReport.strict().parse(JSON.parse(unread.stdout));
      expect(unreadReport.unresolved).toEqual([expect.objectContaining({ file: '.github/workflows/ci.yml', line: 6, ref: 'acme/wrapper@v1' })]);
      expect(unreadReport.summary.incomplete).toEqual(['1 component whose source could not be read']);
    } finally {
      tmp.cleanup();
    }
  });

  it('exit 0 when nothing is affected', async () => {
    const r = await runCliProcess(['scan', `${ORG}/acme/pinned-app`, '--cache', CACHE, '--indicator', 'tj-actions-changed-files-2025']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no job runs this component');
    expect(r.stdout).toContain('1 use not affected');
  });

  it.each([
    ['sarif', (out: string) => expect(JSON.parse(out)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'ci-exposure' } } }] })],
    ['csv', (out: string) => expect(out.split('\r\n')[0]).toMatch(/^indicator,verdict,affected,repo,file,line/)],
    ['markdown', (out: string) => expect(out).toMatch(/^#### CI exposure: /)],
    ['table', (out: string) => expect(out).toMatch(/^== codecov-bash-uploader-2021/)],
  ])('--format %s', async (format, check) => {
    const r = await runCliProcess(['scan', ORG, '--cache', CACHE, '--indicator', 'codecov-bash-uploader-2021', '--format', format]);
    expect(r.code).toBe(1);
    check(r.stdout);
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('--component builds an indicator on the spot', async () => {
    const r = await runCliProcess(['scan', ORG, '--cache', CACHE, '--component', 'orb:codecov/codecov@1.1.1', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = jsonReport.parse(JSON.parse(r.stdout));
    expect(report.findings.filter((f) => f.affected).map((f) => f.repo).sort()).toEqual(['acme/coverage-isolated', 'acme/mattermost-plugin', 'acme/shared-context']);
  });

  it('issue 9: reviewdog/action-setup@v1 is affected, directly and through EPMatt/reviewdog-action-tsc@v1 from the cache', async () => {
    const r = await runCliProcess(['scan', `${ISSUE_9}/issue-9/repo`, '--cache', `${ISSUE_9}/issue-9/cache`, '--indicator', 'reviewdog-action-setup-2025', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const findings = jsonReport.parse(JSON.parse(r.stdout)).findings;
    expect(findings.filter((f) => f.affected).map((f) => f.job).sort()).toEqual(['reviewdog', 'tsc']);
    expect(findings.filter((f) => !f.affected).map((f) => f.job).sort()).toEqual(['ok-other-tag', 'ok-pinned']);
  });

  it('--indicator FILE reads a custom indicator; a bad one is a located usage error', async () => {
    const tmp = makeTempDir();
    try {
      const good = join(tmp.dir, 'good.json');
      writeFileSync(
        good,
        JSON.stringify({
          id: 'acme-template-2026',
          title: 'acme/ci-templates compromised',
          kind: 'gitlab',
          windowStart: '2026-01-01T00:00:00Z',
          windowEnd: '2026-01-02T00:00:00Z',
          components: [{ kind: 'gitlab-include', id: 'acme/ci-templates', affectedRefs: ['main'] }],
        }),
      );
      const ok = await runCliProcess(['scan', ORG, '--cache', CACHE, '--indicator', good, '--format', 'json']);
      expect(ok.code).toBe(1);
      const findings = jsonReport.parse(JSON.parse(ok.stdout)).findings;
      expect([...new Set(findings.map((f) => f.repo))]).toEqual(['acme/gitlab-service']);
      expect(findings.find((f) => f.job === 'coverage')).toMatchObject({ affected: true, chain: [{ kind: 'gitlab-include', ref: 'acme/ci-templates@main' }] });

      const bad = join(tmp.dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ id: 'x', title: 't', kind: 'action', windowStart: 'soon', windowEnd: '2026-01-02T00:00:00Z', components: [] }));
      const r = await runCliProcess(['scan', ORG, '--indicator', bad]);
      expect(r.code).toBe(2);
      oneLineError(r.stderr);
      expect(r.stderr).toContain(`${bad}: field windowStart: must be an ISO-8601 UTC time`);
    } finally {
      tmp.cleanup();
    }
  });

  it.each([
    [['scan', ORG, '--indicator', 'codecov-2021'], /unknown indicator "codecov-2021"; did you mean codecov-bash-uploader-2021/],
    [['scan', 'no/such/path', '--indicator', 'codecov-bash-uploader-2021'], /path not found or not a folder: no\/such\/path/],
    [['scan', ORG, '--component', 'gha:nope'], /bad component spec "gha:nope"/],
    [['scan', ORG, '--component', 'gha:a/b', '--indicator', 'ghostaction-2025'], /not both/],
    [['scan', ORG, '--format', 'xml'], /unknown format "xml"/],
    [['scan', ORG, '--cache', 'no/such/cache'], /component cache folder not found/],
    [['scan', ORG, '--indicator', 'missing.json'], /indicator file not found: missing\.json/],
    // Issue 9: an affected/safe ref outside the ref notation is refused, naming the entry and the accepted forms.
    [
      ['scan', ORG, '--indicator', ISSUE_9_BAD_NOTATION],
      /issue-9-bad-notation\.json: field components\.0\.affectedRefs\.0: entry "v4 tag during window" is not in the ref notation: .*accepted forms: /,
    ],
    [['scan', ORG, '--component', 'gha:actions/checkout@v4 tag during window'], /bad component spec .*: ref "v4 tag during window" is not in the ref notation/],
  ])('usage error %j → exit 2 and one clear line', async (args, message) => {
    const r = await runCliProcess(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    oneLineError(r.stderr);
    expect(r.stderr).toMatch(message);
  });

  it('an unknown option is a usage error (exit 2)', async () => {
    const r = await runCliProcess(['scan', ORG, '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option/);
  });

  it('no command: the usage on stderr and exit 2; --help: the usage on stdout and exit 0', async () => {
    const none = await runCliProcess([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^Usage: ci-exposure \[options\] \[command\]/);
    const help = await runCliProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ci-exposure/);
  });

  it('scan --help lists the exit codes', async () => {
    const r = await runCliProcess(['scan', '--help']);
    expect(r.stdout).toContain('3 nothing affected found but the scan is incomplete');
  });

  it('scans the current directory when no path is given', async () => {
    const tmp = makeTempDir();
    try {
      mkdirSync(join(tmp.dir, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(tmp.dir, '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: tj-actions/changed-files@v44\n');
      const r = await runCliProcess(['scan', '--indicator', 'tj-actions-changed-files-2025', '--format', 'json'], { cwd: tmp.dir });
      expect(r.code).toBe(1);
      expect(jsonReport.parse(JSON.parse(r.stdout)).findings[0]).toMatchObject({ file: '.github/workflows/ci.yml', affected: true });
    } finally {
      tmp.cleanup();
    }
  });
});

describe('ci-exposure scan of local folders (built CLI): what it loads', () => {
  it('neither the providers, the index, the evidence readers nor zod: they are loaded when a scan needs them', () => {
    // The modules a local scan loaded, printed by the process after the scan (its report discarded).
    const script = [
      `const { runCli } = require(${JSON.stringify(join(REPO_ROOT, 'engine', 'dist', 'cli', 'cli.js'))});`,
      `runCli(['scan', ${JSON.stringify(ORG)}, '--cache', ${JSON.stringify(CACHE)}, '--format', 'json'], { stdout: () => undefined, stderr: () => undefined, isTTY: false })`,
      `  .then((code) => process.stdout.write(JSON.stringify({ code, modules: Object.keys(require.cache) })));`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    const { code, modules } = z.object({ code: z.number(), modules: z.array(z.string()) }).parse(JSON.parse(r.stdout));
    expect(code).toBe(1);
    const rel = modules.map((m) => m.split(/[\\/]/).join('/'));
    expect(rel.filter((m) => m.includes('/engine/dist/core/scan.js'))).toHaveLength(1);
    expect(rel.filter((m) => /\/node_modules\/zod\/|\/engine\/dist\/sources\/(github|gitlab|circleci|inventory|evidence|jenkins)\/|\/engine\/dist\/cli\/index-command\.js|\/engine\/dist\/sources\/(resolve-source|fetch-loop|component-store)\.js/.test(m))).toEqual([]);
  });
});

describe('ci-exposure indicators (built CLI)', () => {
  it('lists the catalog as a table', async () => {
    const r = await runCliProcess(['indicators']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+WINDOW \(UTC\)\s+TITLE$/);
    expect(lines).toHaveLength(13);
    expect(r.stdout).toMatch(/codecov-bash-uploader-2021\s+script\s+2021-01-31T00:00Z \.\. 2021-04-01T23:59Z\s+Codecov/);
  });

  it('and as JSON', async () => {
    const r = await runCliProcess(['indicators', '--format', 'json']);
    expect(r.code).toBe(0);
    const list = z.array(z.object({ id: z.string(), kind: z.string(), windowStart: z.string(), windowEnd: z.string(), title: z.string() })).parse(JSON.parse(r.stdout));
    expect(list.map((i) => i.id)).toContain('circleci-platform-2023');
    expect(list).toHaveLength(11);
  });

  it('refuses an unknown format', async () => {
    const r = await runCliProcess(['indicators', '--format', 'yaml']);
    expect(r.code).toBe(2);
    oneLineError(r.stderr);
  });
});

describe('the bridge commands (serve, setup) without the bridge package', () => {
  it('--help names them; run without @ci-exposure/server installed, they say so in one line and exit 2', async () => {
    const help = await runCliProcess(['--help']);
    expect(help.stdout).toMatch(/Bridge commands \(package @ci-exposure\/server\):\n\s+serve \[options\][\s\S]*\n\s+setup \[options\]/);
    // The bin alone, away from the repository's node_modules: @ci-exposure/server cannot be resolved.
    const tmp = makeTempDir();
    try {
      const bin = join(tmp.dir, 'engine', 'bin', 'ci-exposure.js');
      mkdirSync(join(bin, '..'), { recursive: true });
      copyFileSync(CLI, bin);
      for (const args of [['serve'], ['setup', '--help'], ['help', 'serve']]) {
        const r = await runCliProcess(args, { cwd: tmp.dir, bin });
        expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
        oneLineError(r.stderr);
        expect(r.stderr).toMatch(/is a command of the bridge, and the bridge package \(@ci-exposure\/server\) is not installed/);
      }
    } finally {
      tmp.cleanup();
    }
  });
});
