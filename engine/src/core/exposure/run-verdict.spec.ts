import type { Finding, FindingRuns, ScanResult } from '../model';
import { finding } from '../report/testing';
import { staticVerdict, withRunVerdict, withRunVerdicts } from './run-verdict';

const ran: FindingRuns = { state: 'ran', count: 3, first: '2025-03-14T16:00:00Z', last: '2025-03-15T11:00:00Z', urls: [], resolved: [], logs: [] };
const notRun: FindingRuns = { state: 'not-run', count: 0, urls: [], resolved: [], logs: [] };
const unavailable: FindingRuns = { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no token' };

function result(findings: Finding[]): ScanResult {
  return {
    indicator: { id: 'tj-actions-changed-files-2025', title: 'tj-actions/changed-files tag rewrite' },
    summary: { repos: 3, files: 3, jobs: 6, affected: findings.filter((f) => f.affected).length, unresolved: 0, errors: 0 },
    findings,
    unresolved: [],
    errors: [],
  };
}

describe('withRunVerdict', () => {
  it.each([
    ['ran: the static verdict stands', ran, 'high', undefined],
    ['not-run: verdict not-run, the static one kept', notRun, 'not-run', 'high'],
    ['unavailable: never read as not-run', unavailable, 'high', undefined],
    ['no run evidence', undefined, 'high', undefined],
  ] as const)('%s', (_name, runs, verdict, exposureVerdict) => {
    const f = withRunVerdict(finding({ verdict: 'high', ...(runs === undefined ? {} : { runs }) }));
    expect(f.verdict).toBe(verdict);
    expect(f.exposureVerdict).toBe(exposureVerdict);
    expect('exposureVerdict' in f).toBe(exposureVerdict !== undefined);
  });

  it('keeps every other field, and the reasons (the headline is the static one)', () => {
    const before = finding({ verdict: 'critical', runs: notRun, reasons: ['Critical: it deploys.'] });
    expect(withRunVerdict(before)).toEqual({ ...before, verdict: 'not-run', exposureVerdict: 'critical' });
  });

  it('leaves a use that is not affected as it is, whatever its runs say', () => {
    const safe = finding({ affected: false, verdict: 'low', runs: notRun });
    expect(withRunVerdict(safe)).toBe(safe);
  });

  it('leaves a platform breach as it is: its stored secrets are exposed whichever job ran', () => {
    const breach = finding({ verdict: 'high', chain: [{ kind: 'platform', ref: 'circleci' }], runs: notRun });
    expect(withRunVerdict(breach)).toBe(breach);
  });

  it('is idempotent, and gives the static verdict back when the evidence changes', () => {
    const once = withRunVerdict(finding({ verdict: 'medium', runs: notRun }));
    expect(withRunVerdict(once)).toBe(once);
    for (const runs of [ran, unavailable]) {
      const again = withRunVerdict({ ...once, runs });
      expect(again.verdict).toBe('medium');
      expect(again).not.toHaveProperty('exposureVerdict');
    }
    const { runs: _dropped, exposureVerdict: _kept, ...plain } = once;
    expect(withRunVerdict({ ...plain, exposureVerdict: 'medium' })).toStrictEqual({ ...plain, verdict: 'medium' });
  });

  it('cannot undo a not-run that lost its static exposure: it stays listed as not-run', () => {
    const lost = finding({ verdict: 'not-run', runs: ran });
    expect(staticVerdict(lost)).toBeUndefined();
    expect(withRunVerdict(lost)).toBe(lost);
  });
});

describe('withRunVerdicts', () => {
  const findings = [
    finding({ repo: 'acme/web', job: 'build', verdict: 'critical', runs: ran }),
    // One job with two uses, neither ran: one not-run job.
    finding({ repo: 'acme/quiet', job: 'lint', line: 10, verdict: 'high', runs: notRun }),
    finding({ repo: 'acme/quiet', job: 'lint', line: 20, verdict: 'medium', runs: notRun }),
    // A job with one use that ran and one the evidence says did not (counts as a job that ran).
    finding({ repo: 'acme/mixed', job: 'test', line: 10, verdict: 'low', runs: notRun }),
    finding({ repo: 'acme/mixed', job: 'test', line: 20, verdict: 'low', runs: ran }),
    finding({ repo: 'acme/old', job: 'docs', verdict: 'low', runs: unavailable }),
    finding({ repo: 'acme/pinned', job: 'pinned', affected: false, runs: notRun }),
  ];
  const [out] = withRunVerdicts([result(findings)]);

  it('gives each affected not-run use the verdict not-run, keeps the order and the affected count', () => {
    expect(out?.findings.map((f) => [f.repo, f.line, f.verdict, f.exposureVerdict ?? null])).toEqual([
      ['acme/web', 10, 'critical', null],
      ['acme/quiet', 10, 'not-run', 'high'],
      ['acme/quiet', 20, 'not-run', 'medium'],
      ['acme/mixed', 10, 'not-run', 'low'],
      ['acme/mixed', 20, 'low', null],
      ['acme/old', 10, 'low', null],
      ['acme/pinned', 10, 'low', null],
    ]);
    expect(out?.summary).toEqual({ repos: 3, files: 3, jobs: 6, affected: 6, unresolved: 0, errors: 0, notRun: 1 });
  });

  it('is idempotent', () => {
    expect(withRunVerdicts(withRunVerdicts([result(findings)]))).toEqual(withRunVerdicts([result(findings)]));
  });

  it('sets no notRun count without run evidence (and drops a stale one)', () => {
    const [plain] = withRunVerdicts([result([finding({ verdict: 'high' })])]);
    expect(plain?.summary).not.toHaveProperty('notRun');
    const [stale] = withRunVerdicts([{ ...result([finding({ verdict: 'high' })]), summary: { ...result([]).summary, notRun: 4 } }]);
    expect(stale?.summary).not.toHaveProperty('notRun');
  });

  it('counts 0 not-run jobs when every job ran or its history is unavailable', () => {
    const [all] = withRunVerdicts([result([finding({ runs: ran }), finding({ repo: 'acme/x', runs: unavailable })])]);
    expect(all?.summary.notRun).toBe(0);
    expect(all?.findings.map((f) => f.verdict)).toEqual(['low', 'low']);
  });
});
