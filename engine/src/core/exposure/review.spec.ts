/**
 * What a security engineer reads in a finding: platform breaches ranked by what the stored secrets can
 * do (not by tamper paths), advice that fits the case (what to pin, what to rotate), and sentences that
 * stay readable when many jobs are involved.
 */
import type { Job, ResolvedJob } from '../model';
import { makeIndicator, makeJob, makeMatch, makePipeline, pos } from '../testing';
import { assessJob } from './assess';

const resolvedOf = (jobs: Job[]): ResolvedJob[] => jobs.map((job) => ({ job, components: [] }));

describe('platform incidents', () => {
  const indicator = makeIndicator({ kind: 'platform', platform: 'circleci', components: [{ kind: 'platform', id: 'circleci', affectedRefs: ['*'], safeRefs: [], maliciousShas: [] }] });
  const breach = makeMatch({ indicator, chain: [{ kind: 'platform', ref: 'circleci' }], refReason: 'every CircleCI project' });
  const cc = (partial: Partial<Job> & { id: string }): Job => makeJob({ permissions: { kind: 'not-applicable' }, pos: pos(30, '.circleci/config.yml'), ...partial });
  const build = cc({ id: 'build', contexts: ['deploy-creds'], produces: [{ via: 'workspace', name: '.: dist', pos: pos(12, '.circleci/config.yml') }] });
  const lint = cc({ id: 'lint', produces: [{ via: 'workspace', name: '.: lint', pos: pos(14, '.circleci/config.yml') }] });
  const deploy = cc({ id: 'deploy', needs: ['build', 'lint'], contexts: ['deploy-creds'], deploys: true, consumes: [{ via: 'workspace', name: '.', pos: pos(40, '.circleci/config.yml') }] });
  const pipeline = makePipeline({ platform: 'circleci', file: '.circleci/config.yml', jobs: [build, lint, deploy] });
  const judge = (job: Job) => assessJob({ job, components: [] }, pipeline, resolvedOf(pipeline.jobs), breach);

  it('no tamper paths: a breach of the platform runs no code in the job', () => {
    expect(judge(lint).tamper).toEqual([]);
    expect(judge(lint).verdict).toBe('high');
    expect(judge(lint).reasons[0]).toMatch(/^High: the breach exposed the stored secrets this job uses .*; it does not deploy\.$/);
  });

  it('critical when it deploys, or uses a context a deploying job uses', () => {
    expect(judge(deploy).verdict).toBe('critical');
    expect(judge(deploy).reasons[0]).toContain('this job deploys with');
    const f = judge(build);
    expect(f.verdict).toBe('critical');
    expect(f.reasons.join(' ')).toContain('uses context(s) `deploy-creds`, which deploying job(s) `deploy` use too');
  });

  it('advice is about the stored secrets, not about the components the job runs', () => {
    const advice = judge(deploy).advice.join(' ');
    expect(advice).toContain('Rotate every stored secret of acme/app on circleci (contexts `deploy-creds`, project environment variables, project SSH and deploy keys)');
    expect(advice).not.toMatch(/affected component|third-party components|if the job ran during/);
  });
});

describe('advice that fits the case', () => {
  it('through a local composite action, pin the third-party action it uses (and say where)', () => {
    const job = makeJob({ id: 'test' });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({
      chain: [
        { kind: 'gha-local-action', ref: './.github/actions/coverage', file: '.github/workflows/ci.yml', line: 20 },
        { kind: 'gha-action', ref: 'codecov/codecov-action@v1', file: '.github/actions/coverage/action.yml', line: 14 },
      ],
    }));
    expect(f.advice[0]).toBe(
      'Least privilege over the code you run: pin `codecov/codecov-action` (.github/actions/coverage/action.yml:14) to a full commit SHA of a reviewed release (a tag can be moved, as in this incident).',
    );
  });

  it('a fetched script: advice about the script, and that pinning what fetches it does not pin it', () => {
    const job = makeJob({ id: 'test' });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({
      chain: [
        { kind: 'orb-element', ref: 'codecov/upload', file: '.circleci/config.yml', line: 19 },
        { kind: 'script-url', ref: 'curl -s https://codecov.io/bash | bash -s -- -f x', file: 'codecov/codecov@1.1.1//orb.yml', line: 39 },
      ],
    }));
    expect(f.advice.slice(0, 2)).toEqual([
      'Do not pipe `https://codecov.io/bash` into a shell: download a pinned release, verify its checksum or signature, then run it.',
      '`codecov/upload` fetches that script at run time, so pinning it does not pin the script: move to a version that verifies what it downloads, or replace it.',
    ]);
  });

  it('not affected: advice by why (safe SHA; ref outside the affected ones)', () => {
    const job = makeJob({ id: 'j' });
    const notAffected = (refReason: string) => assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({ affected: false, refReason })).advice;
    expect(notAffected('pinned to a safe SHA: commit abc is immutable')).toEqual(['Keep the SHA pin, and update it only to reviewed commits.']);
    expect(notAffected('`1.0.2` is outside the affected refs (1.1.0-1.1.4)')[0]).toContain('outside the affected refs');
  });

  it('OIDC tokens are not "rotated": the advice is to review role assumptions', () => {
    const job = makeJob({ id: 'publish', oidc: true, secrets: [{ name: 'id-token', kind: 'id-token', pos: pos(3) }, { name: 'NPM_TOKEN', kind: 'secret', pos: pos(9) }] });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch());
    const rotate = f.advice.find((a) => a.startsWith('Rotate'));
    expect(rotate).toContain('`NPM_TOKEN`');
    expect(rotate).not.toContain('OIDC');
    expect(f.advice.join(' ')).toContain('review the cloud audit logs for roles assumed');
  });

  it('an indicator without a window (from --component) and an unknown payload scope say so', () => {
    const indicator = makeIndicator({ windowStart: '1970-01-01T00:00:00Z', windowEnd: '9999-12-31T23:59:59Z', exposureScope: 'unknown: assume the payload could read everything the job can read' });
    const job = makeJob({ id: 'j', secrets: [{ name: 'TOKEN', kind: 'secret', pos: pos(4) }] });
    const f = assessJob({ job, components: [] }, makePipeline({ jobs: [job] }), [], makeMatch({ indicator }));
    expect(f.advice.join(' ')).toContain('Rotate `TOKEN` if the job ran while the component could have been compromised (no incident window was given).');
    expect(f.reasons.join(' ')).toContain('What the payload of Test incident read is not known: assume it read everything the job can read, in this job `TOKEN`.');
    expect(f.advice.join(' ')).not.toContain('9999');
  });
});

describe('readable with many consumers', () => {
  it('the reason names the privileged consumers first and cuts the list; the tamper list keeps all', () => {
    const build = makeJob({ id: 'build', produces: [{ via: 'cache', name: 'deps-x', pos: pos(5) }] });
    const readers = Array.from({ length: 12 }, (_, i) => makeJob({ id: `r${i}`, pos: pos(20 + i), consumes: [{ via: 'cache', name: 'deps-', pos: pos(20 + i) }] }));
    const deploy = makeJob({ id: 'deploy', deploys: true, secrets: [{ name: 'PROD', kind: 'secret' }], consumes: [{ via: 'cache', name: 'deps-', pos: pos(50) }] });
    const jobs = [build, ...readers, deploy];
    const pipeline = makePipeline({ jobs });
    const f = assessJob({ job: build, components: [] }, pipeline, resolvedOf(jobs), makeMatch());
    expect(f.tamper[0]?.consumers).toHaveLength(13);
    // On GitHub any step can write any key of the cache: one path to every job restoring one.
    const reason = f.reasons.find((r) => r.includes("can write any key of the repository's cache"));
    expect(reason).toContain('consumed by `deploy` (holds secret PROD, deploys); `r0`');
    expect(reason).toContain('5 more that hold nothing.');
  });

  it('the medium/low sentence does not claim "no secrets" when the exposure lists some', () => {
    const job = makeJob({ id: 'j', permissions: { kind: 'not-applicable' }, secrets: [{ name: 'project environment variables', kind: 'project-env' }] });
    const f = assessJob({ job, components: [] }, makePipeline({ platform: 'circleci', jobs: [job] }), [], makeMatch());
    expect(f.verdict).toBe('low');
    expect(f.reasons[0]).toContain('no secrets of its own beyond those listed');
  });
});
