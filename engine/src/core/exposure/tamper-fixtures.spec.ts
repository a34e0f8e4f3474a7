/**
 * Tamper paths over fixture repositories, through the real parsers and the whole scan (issue 9):
 *  - order inside a CircleCI job: only writes after the compromised step are tamper paths
 *    (`__fixtures__/tamper/circleci/order.yml`, positives and `ok-*` jobs);
 *  - the seed's case, `issue-9-repro.yml`: mattermost/plugin-ci's coverage job saves its cache before
 *    codecov/upload, so it is `low` with no cache tamper path;
 *  - GitHub Actions cache poisoning: a default-branch job reaches every job that restores a cache, a pull
 *    request run only runs of its pull request (`__fixtures__/tamper/github-cache-scope`).
 * Each is a text snapshot paired with explicit assertions.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { catalogIndicator } from '../indicators/catalog';
import type { Finding, Indicator, RepoInput, ScanResult, SourceFile } from '../model';
import { scan } from '../scan';
import { memorySource } from '../testing';

const FIXTURES = path.join(__dirname, '__fixtures__', 'tamper');

/** Every file under `dir`, with paths relative to it (`/` separators). */
function filesUnder(dir: string, root = dir): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, root));
    else out.push({ path: path.relative(root, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') });
  }
  return out;
}

const CACHE = Object.fromEntries(filesUnder(path.join(FIXTURES, 'cache')).map((f) => [f.path, f.text]));

function indicator(id: string): Indicator {
  const found = catalogIndicator(id);
  if (!found) throw new Error(`catalog has no ${id}`);
  return found;
}

function circleRepo(fixture: string, orbs: Record<string, string> = CACHE): { repo: RepoInput; result: (ind: string) => ScanResult } {
  const repo: RepoInput = { repo: 'acme/app', files: [{ path: '.circleci/config.yml', text: readFileSync(path.join(FIXTURES, 'circleci', fixture), 'utf8') }] };
  return { repo, result: (ind) => scan([repo], indicator(ind), memorySource(orbs)) };
}

function byJob(r: ScanResult): Map<string, Finding> {
  const out = new Map<string, Finding>();
  for (const f of r.findings) if (!out.has(f.job)) out.set(f.job, f);
  return out;
}

/** A stable text form: verdict and job, each tamper path with its consumers and why it is reachable, what is out of reach. */
function text(r: ScanResult): string {
  const out: string[] = [];
  for (const f of [...r.findings].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line)) {
    out.push(`${f.verdict} ${f.job}${f.affected ? '' : ' (not affected)'} ${f.file}:${f.line}`);
    for (const t of f.tamper) {
      out.push(`  ${t.via} ${t.name ?? '(unnamed)'} → ${t.consumers.map((c) => (c.holds.length > 0 ? `${c.job} [${c.holds.join(', ')}]` : c.job)).join('; ')}`);
      out.push(`    reach: ${t.reach ?? '(none)'}`);
    }
    for (const reason of f.reasons.filter((x) => x.startsWith('Out of reach'))) out.push(`  ${reason}`);
  }
  return out.join('\n');
}

describe('order inside a CircleCI job (order.yml)', () => {
  const r = circleRepo('order.yml').result('codecov-bash-uploader-2021');
  const jobs = byJob(r);

  it('writes after the uploader are tamper paths; ok-* jobs, whose writes come before it, have none', () => {
    expect(r.errors).toEqual([]);
    expect(jobs.get('cache-after')).toMatchObject({ verdict: 'medium', tamper: [{ via: 'cache', name: 'v1-gomod-{{ checksum "go.sum" }}', consumers: [{ job: 'release' }] }] });
    expect(jobs.get('workspace-after')).toMatchObject({ verdict: 'medium', tamper: [{ via: 'workspace', name: '.: dist', consumers: [{ job: 'release' }] }] });
    for (const ok of ['ok-cache-before', 'ok-workspace-before']) {
      expect(jobs.get(ok)).toMatchObject({ affected: true, verdict: 'low', tamper: [] });
      expect(jobs.get(ok)?.reasons.some((x) => x.startsWith('Out of reach:') && x.includes('`release`'))).toBe(true);
    }
    expect(text(r)).toMatchSnapshot();
  });

  it('each tamper entry says why it is reachable: the write after the compromised step, and the cache scope', () => {
    const cache = jobs.get('cache-after')?.tamper[0];
    expect(cache?.reach).toMatch(/^CircleCI writes a cache only in a `save_cache` step, with what is there when it runs; the write at \.circleci\/config\.yml:\d+ runs after the compromised step \(\.circleci\/config\.yml:\d+\); CircleCI shares caches between every branch of the project$/);
  });
});

describe('issue-9-repro: mattermost/plugin-ci, save_cache before codecov/upload', () => {
  const { result } = circleRepo('issue-9-repro.yml');
  const r = result('codecov-bash-uploader-2021');

  it('the coverage job is low, with no cache tamper path, and says why', () => {
    const coverage = byJob(r).get('plugin-ci/coverage');
    expect(r.findings.filter((f) => f.affected).map((f) => f.job)).toEqual(['plugin-ci/coverage']);
    expect(coverage).toMatchObject({ verdict: 'low', tamper: [] });
    expect(coverage?.reasons[0]).toMatch(/^Low: isolated/);
    expect(coverage?.reasons.find((x) => x.startsWith('Out of reach'))).toBe(
      'Out of reach: job `plugin-ci/coverage` (.circleci/config.yml:16) writes cache `go-mod-v1-{{ checksum "go.sum" }}` at mattermost/plugin-ci@0.1.0//orb.yml:50, before the compromised step (mattermost/plugin-ci@0.1.0//orb.yml:51); CircleCI writes a cache only in a `save_cache` step, with what is there when it runs, so the compromised code cannot change what `plugin-ci/lint`, `plugin-ci/test` and `plugin-ci/build` read from it.',
    );
    expect(text(r)).toMatchSnapshot();
  });

  it('not vacuous: with save_cache after codecov/upload, the same job is medium with the cache path', () => {
    const orb = CACHE['circleci/orbs/mattermost/plugin-ci@0.1.0.yml'] ?? '';
    const swapped = orb.replace('      - *save_cache\n      - codecov/upload:\n          file: server/coverage.txt\n', '      - codecov/upload:\n          file: server/coverage.txt\n      - *save_cache\n');
    expect(swapped).not.toBe(orb);
    const late = circleRepo('issue-9-repro.yml', { ...CACHE, 'circleci/orbs/mattermost/plugin-ci@0.1.0.yml': swapped }).result('codecov-bash-uploader-2021');
    expect(byJob(late).get('plugin-ci/coverage')).toMatchObject({
      verdict: 'medium',
      tamper: [{ via: 'cache', name: 'go-mod-v1-{{ checksum "go.sum" }}', consumers: [{ job: 'plugin-ci/lint' }, { job: 'plugin-ci/test' }, { job: 'plugin-ci/build' }] }],
    });
  });
});

describe('GitHub Actions cache scope (github-cache-scope)', () => {
  const repo: RepoInput = { repo: 'acme/gh', files: filesUnder(path.join(FIXTURES, 'github-cache-scope')) };
  const r = scan([repo], indicator('tj-actions-changed-files-2025'), memorySource({}));
  const jobs = byJob(r);
  const consumers = (job: string): string[] => (jobs.get(job)?.tamper.find((t) => t.via === 'cache')?.consumers ?? []).map((c) => c.job);

  it('default-branch jobs (push, schedule) reach every job that restores a cache, whatever its key; a pull request run only its own', () => {
    expect(r.errors).toEqual([]);
    const everyReader = ['release (.github/workflows/release.yml)', 'nix (.github/workflows/release.yml)', 'pr-test (.github/workflows/pr.yml)'];
    expect(consumers('changed').sort()).toEqual([...everyReader].sort());
    expect(consumers('nightly').sort()).toEqual([...everyReader].sort());
    expect(consumers('pr-changed')).toEqual(['pr-test']);
    expect(jobs.get('changed')).toMatchObject({ verdict: 'medium', tamper: [{ via: 'cache', name: 'any key' }] });
    expect(jobs.get('changed')?.tamper[0]?.reach).toContain('it runs on `push`, on the default branch');
    expect(jobs.get('nightly')?.tamper[0]?.reach).toContain('it runs on `schedule`, on the default branch');
    expect(jobs.get('pr-changed')?.tamper[0]?.reach).toContain('it only runs for pull requests');
    expect(text(r)).toMatchSnapshot();
  });

  it('ok-*: a job that restores no cache is never a consumer; a safe pin is not affected', () => {
    for (const job of ['changed', 'nightly', 'pr-changed']) expect(consumers(job).some((c) => c.startsWith('ok-'))).toBe(false);
    expect(jobs.get('ok-pinned')).toMatchObject({ affected: false, tamper: [] });
  });
});
