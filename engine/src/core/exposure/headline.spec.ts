/**
 * Issue 9, point 2: a verdict never contradicts its own reasons. Every finding of every fixture of
 * the project — examples/org with examples/cache and the core's fixtures — is checked: against the
 * whole catalog (and the example custom indicator), and once more with every use of every job taken as
 * compromised, so that each job of each fixture is judged at least once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { componentCacheSource } from '../../sources/component-cache';
import { readLocalPaths } from '../../sources/local-dir';
import { CATALOG, loadIndicator } from '../indicators';
import type { ChainLink, ComponentNode, ComponentSource, ExposureVerdict, Finding, FindingRuns, Indicator, Match, Pipeline, RepoInput, ResolvedJob } from '../model';
import { scan, scanMany } from '../scan';
import { makeIndicator } from '../testing';
import { staticVerdict, withRunVerdict } from './run-verdict';

const ROOT = join(__dirname, '..', '..', '..', '..');
const SCANNER = join(__dirname, '..');

interface Fixture {
  name: string;
  repos: RepoInput[];
  source: ComponentSource;
}

const NO_CACHE: ComponentSource = { read: () => undefined, describe: () => 'no component cache' };

function local(name: string, path: string, cache?: string): Fixture {
  const read = readLocalPaths([path]);
  if (read.missing.length > 0 || read.repos.length === 0) throw new Error(`fixture ${name}: nothing read at ${path}`);
  return { name, repos: read.repos, source: cache === undefined ? NO_CACHE : componentCacheSource(cache) };
}

/** CircleCI fixtures are config files: each one is the `.circleci/config.yml` of a repository of its own. */
function circleci(): Fixture {
  const dir = join(SCANNER, 'platforms', 'circleci', '__fixtures__');
  const repos = readdirSync(dir)
    .filter((f) => f.endsWith('.yml'))
    .map((f) => ({ repo: `fixtures/${basename(f, '.yml')}`, files: [{ path: '.circleci/config.yml', text: readFileSync(join(dir, f), 'utf8') }] }));
  return { name: 'circleci fixtures', repos, source: componentCacheSource(join(dir, 'cache')) };
}

const FIXTURES: Fixture[] = [
  local('examples/org', join(ROOT, 'examples', 'org'), join(ROOT, 'examples', 'cache')),
  local('github-actions fixture', join(SCANNER, 'platforms', 'github-actions', '__fixtures__', 'repo'), join(SCANNER, 'platforms', 'github-actions', '__fixtures__', 'cache')),
  local('gitlab-ci fixture', join(SCANNER, 'platforms', 'gitlab-ci', '__fixtures__', 'exposure'), join(SCANNER, 'platforms', 'gitlab-ci', '__fixtures__', 'cache')),
  circleci(),
  local('issue 9 reviewdog', join(SCANNER, 'indicators', '__fixtures__', 'issue-9', 'repo'), join(SCANNER, 'indicators', '__fixtures__', 'issue-9', 'cache')),
  local('issue 9 release', join(SCANNER, 'exposure', '__fixtures__', 'issue-9-release')),
];

const exampleFile = join(ROOT, 'examples', 'indicators', 'acme-ci-templates.json');
const example = loadIndicator(exampleFile, readFileSync(exampleFile, 'utf8'));
if (!example.ok) throw new Error(example.error);
const INDICATORS: Indicator[] = [...CATALOG, example.indicator];

/** Every use of every job is the compromised component: each job judged as if it ran the bad code. */
const EVERY_USE = makeIndicator({ id: 'every-use', title: 'Every use (test)', kind: 'action' });

function everyUse(resolved: ResolvedJob, _pipeline: Pipeline, indicator: Indicator): Match[] {
  const component = indicator.components[0];
  if (!component) return [];
  const link = (n: ComponentNode): ChainLink => ({ kind: n.use.ref.kind, ref: n.use.ref.raw, file: n.use.pos.file, line: n.use.pos.line });
  const roots = resolved.components.map((n) => [link(n)]);
  const chains = roots.length > 0 ? roots : [[{ kind: 'job' as const, ref: resolved.job.id, file: resolved.job.pos.file, line: resolved.job.pos.line }]];
  return chains.map((chain) => ({ indicator, component, chain, refReason: 'taken as compromised by the test', affected: true }));
}

/** Reasons that say the job holds a credential of its own. */
const HOLDS_SECRETS = [/ can read `/, /runs with context\(s\) /, /can mint an OIDC token/, /runs on a self-hosted runner \(/, /passes `secrets: inherit`/, /serialises every secret/];
const WRITE_TOKEN = [/runs with a write token/, /GITHUB_TOKEN gets the repository default, which may be write/];
const RELEASES = /: code running in it can change what is released\.$/;

/** What in a finding's reasons or paths its headline contradicts; empty when they agree. */
function disagreements(f: Finding): string[] {
  const out: string[] = [];
  // The headline is written from the static exposure: a `not-run` finding is judged by the one it keeps.
  const verdict = staticVerdict(f);
  if (verdict === undefined) return ['not-run without its static exposure'];
  const [headline = '', ...reasons] = f.reasons;
  const say = (cond: boolean, what: string): void => {
    if (cond) out.push(what);
  };
  const capital = `${verdict.charAt(0).toUpperCase()}${verdict.slice(1)}:`;
  say(!headline.startsWith(capital), `the headline does not start with "${capital}"`);

  const platform = f.chain[0]?.kind === 'platform';
  const releases = f.tamper.some((t) => t.via === 'release' && t.consumers.length === 0) || reasons.some((r) => RELEASES.test(r));
  const privileged = f.tamper.some((t) => t.consumers.some((c) => c.holds.length > 0));
  const holdsSecrets = reasons.some((r) => HOLDS_SECRETS.some((re) => re.test(r))) && !reasons.some((r) => /only runs for (fork )?pull requests from forks|only runs for fork pull requests/.test(r));
  const writeToken = reasons.some((r) => WRITE_TOKEN.some((re) => re.test(r)));
  const canPublish = reasons.some((r) => r.startsWith('It can publish with '));

  say(releases && /no path to a release or deploy/.test(headline), 'it releases, but the headline says no path to a release or deploy was found');
  say(releases && (verdict === 'medium' || verdict === 'low'), `it releases, but the verdict is ${verdict}`);
  say(releases && canPublish && verdict !== 'critical', 'it releases with a credential that can publish, but it is not critical');
  if (!platform) {
    say(releases && verdict === 'critical' && !headline.includes('releases or deploys itself'), 'critical and it releases, but the headline does not say so');
    say(releases && verdict === 'high' && !headline.includes('no credential it could publish with was found'), 'high and it releases, but the headline does not say why it is not critical');
    say(!releases && /releases or deploys/.test(headline) && !/reaches/.test(headline), 'the headline says it releases, no reason does');
  }
  say(canPublish && !releases, 'a publishing credential is named, but no release');
  say(privileged && /no path to a release or deploy/.test(headline), 'what it writes reaches a job that deploys or holds secrets, but the headline says no path');
  say(privileged && verdict !== 'critical' && !platform && !headline.includes('reaches'), 'what it writes reaches a privileged job, the headline does not say so');
  say(f.tamper.length > 0 && verdict === 'low', 'it has tamper paths, but the verdict is low');
  say(/nothing it writes is consumed/.test(headline) && f.tamper.length > 0, 'the headline says nothing it writes is consumed, but it has tamper paths');
  say(/reads no secrets|no secrets reachable/.test(headline) && holdsSecrets, 'the headline says no secrets, a reason names the secrets it reads');
  say(holdsSecrets && !platform && (verdict === 'medium' || verdict === 'low'), `a reason names the secrets it reads, but the verdict is ${verdict}`);
  say(/token cannot write|read-only token/.test(headline) && writeToken, 'the headline says a read-only token, a reason says it can write');
  say(/can read secrets/.test(headline) && !holdsSecrets && !platform, 'the headline says it reads secrets, no reason names any');

  // The rule that decided the verdict comes first, and fired.
  const decided: Record<ExposureVerdict, readonly string[]> = {
    critical: ['deploy', 'platform-breach', 'tamper', 'self-hosted-runner'],
    high: ['platform-breach', 'contexts', 'secrets', 'oidc', 'self-hosted-runner', 'token-permissions', 'deploy'],
    medium: ['tamper'],
    low: ['compromised-component'],
  };
  say(!decided[verdict].includes(f.ruleIds[0] ?? ''), `${verdict} decided by ${f.ruleIds[0] ?? 'no rule'}`);
  say(releases && !platform && !f.ruleIds.includes('deploy'), 'it releases, but the deploy rule is not among the rules that fired');
  say(f.tamper.some((t) => t.consumers.length > 0) && !f.ruleIds.includes('tamper'), 'tamper paths, but the tamper rule did not fire');
  say(!f.ruleIds.includes('compromised-component'), 'the component rule did not fire');
  return out;
}

describe('a verdict never contradicts its own reasons', () => {
  const judged: Array<{ fixture: string; findings: Finding[] }> = FIXTURES.map((fx) => ({
    fixture: fx.name,
    findings: [...scanMany(fx.repos, INDICATORS, fx.source), scan(fx.repos, EVERY_USE, fx.source, { match: everyUse })].flatMap((r) => r.findings).filter((f) => f.affected),
  }));

  it('every fixture has affected findings to check, at every verdict somewhere', () => {
    for (const { fixture, findings } of judged) expect({ fixture, count: findings.length > 0 }).toEqual({ fixture, count: true });
    const verdicts = new Set(judged.flatMap((j) => j.findings.map((f) => f.verdict)));
    expect([...verdicts].sort()).toEqual(['critical', 'high', 'low', 'medium']);
    // Releases, privileged consumers and platform incidents are among them.
    const all = judged.flatMap((j) => j.findings);
    expect(all.some((f) => f.tamper.some((t) => t.via === 'release'))).toBe(true);
    expect(all.some((f) => f.verdict === 'high' && f.reasons[0]?.includes('no credential it could publish with'))).toBe(true);
    expect(all.some((f) => f.tamper.some((t) => t.consumers.some((c) => c.holds.length > 0)))).toBe(true);
    expect(all.some((f) => f.chain[0]?.kind === 'platform')).toBe(true);
  });

  it.each(FIXTURES.map((f) => [f.name]))('%s: every headline agrees with its reasons', (name) => {
    const findings = judged.find((j) => j.fixture === name)?.findings ?? [];
    const problems = findings.flatMap((f) => disagreements(f).map((d) => `${f.indicator} ${f.repo} ${f.jobId} (${f.file}:${f.line}): ${d} — ${f.reasons[0] ?? ''}`));
    expect(problems).toEqual([]);
  });

  it('a job that did not run in the window keeps its static headline: judged by the static exposure it is listed with', () => {
    const none: FindingRuns = { state: 'not-run', count: 0, urls: [], resolved: [], logs: [] };
    // A platform breach exposes the stored secrets whichever job ran: its verdict stays.
    const breaches = judged.flatMap((j) => j.findings).filter((f) => f.chain[0]?.kind === 'platform');
    expect(breaches.length).toBeGreaterThan(0);
    expect(breaches.map((f) => withRunVerdict({ ...f, runs: none }).verdict)).toEqual(breaches.map((f) => f.verdict));
    const all = judged.flatMap((j) => j.findings).filter((f) => f.chain[0]?.kind !== 'platform');
    const notRun = all.map((f) => withRunVerdict({ ...f, runs: none }));
    expect(new Set(notRun.map((f) => f.verdict))).toEqual(new Set(['not-run']));
    expect(new Set(notRun.map((f) => f.exposureVerdict))).toEqual(new Set(['critical', 'high', 'medium', 'low']));
    expect(notRun.map((f) => f.exposureVerdict)).toEqual(all.map((f) => f.verdict));
    expect(notRun.map((f) => f.reasons)).toEqual(all.map((f) => f.reasons));
    expect(notRun.flatMap((f) => disagreements(f).map((d) => `${f.repo} ${f.jobId}: ${d}`))).toEqual([]);
    // Without its static exposure, a `not-run` finding is caught.
    const [first] = notRun;
    if (!first) throw new Error('no finding');
    const { exposureVerdict: _lost, ...lost } = first;
    expect(disagreements(lost)).toEqual(['not-run without its static exposure']);
  });

  it('the checks fail on the contradiction of issue 9 (a release next to "no path to a release")', () => {
    const release = judged.flatMap((j) => j.findings).find((f) => f.indicator === 'trivy-teampcp-2026-03' && f.jobId === 'build');
    if (!release) throw new Error('the issue 9 release fixture has no trivy finding');
    expect(disagreements(release)).toEqual([]);
    const before = { ...release, verdict: 'high' as const, reasons: ['High: its token can (or may) write; no path to a release or deploy was found in the config.', ...release.reasons.slice(1)] };
    expect(disagreements(before)).toEqual(
      expect.arrayContaining([
        'it releases, but the headline says no path to a release or deploy was found',
        'it releases with a credential that can publish, but it is not critical',
      ]),
    );
  });

  it('issue 9: the trivy-then-docker-push job is critical, its release is a tamper entry; the pinned scan is not affected', () => {
    const [result] = scanMany(FIXTURES.find((f) => f.name === 'issue 9 release')?.repos ?? [], INDICATORS.filter((i) => i.id === 'trivy-teampcp-2026-03'), NO_CACHE);
    const build = result?.findings.find((f) => f.jobId === 'build');
    expect(build).toMatchObject({
      affected: true,
      verdict: 'critical',
      file: '.github/workflows/build.yaml',
      line: 31,
      tamper: [{ via: 'release', name: 'the image pushed at .github/workflows/build.yaml:41 (docker push)', consumers: [] }],
    });
    expect(build?.ruleIds[0]).toBe('deploy');
    expect(build?.reasons[0]).toMatch(/^Critical: .*it releases or deploys itself — the image pushed at \.github\/workflows\/build\.yaml:41 \(docker push\) — with GITHUB_TOKEN \(packages: write\)/);
    expect(result?.findings.find((f) => f.jobId === 'ok-pinned-scan')).toMatchObject({ affected: false });
  });
});
