/**
 * The contract is the one thing the bridge and the webapp share: it imports zod and the engine's
 * vocabulary, nothing else (no Node, no browser, no other part of the engine), and carries that
 * vocabulary as the engine defines it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as vocabulary from '@ci-exposure/engine/vocabulary';
import { CONTRACT_VERSION, EXPOSURE_VERDICTS, parseReportProps, PLATFORMS, PROPS_KEY, type ReportProps, type ReportRow, reportRowSchema, VERDICTS } from '../src';

const SRC = join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the contract package', () => {
  it('imports only zod and the engine vocabulary', () => {
    const imports = sources(SRC).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [
        ...[...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? ''),
        ...[...text.matchAll(/\b(?:require|import)\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? ''),
      ].map((spec) => ({ file: relative(SRC, file), spec }));
    });
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => i.spec !== 'zod' && i.spec !== '@ci-exposure/engine/vocabulary')).toEqual([]);
  });

  it("carries the engine's vocabulary: the same platform ids and verdicts", () => {
    expect(PLATFORMS).toBe(vocabulary.PLATFORMS);
    expect(VERDICTS).toBe(vocabulary.VERDICTS);
    expect(reportRowSchema.shape.platform.options).toEqual([...vocabulary.PLATFORMS]);
    expect(reportRowSchema.shape.verdict.options).toEqual([...vocabulary.VERDICTS]);
  });
});

describe('the not-run verdict', () => {
  const row: ReportRow = {
    repo: 'acme/quiet',
    file: '.github/workflows/ci.yml',
    line: 12,
    platform: 'github-actions',
    workflow: 'CI',
    job: 'deploy',
    verdict: 'not-run',
    exposureVerdict: 'critical',
    secrets: ['NPM_TOKEN'],
    tamper: [],
    chain: [{ kind: 'gha-action', ref: 'tj-actions/changed-files@v44' }],
    reasons: ['Critical: it deploys.'],
    advice: [],
    runs: { state: 'not-run', count: 0 },
  };
  const props: ReportProps = {
    version: CONTRACT_VERSION,
    kind: 'report',
    indicator: { id: 'tj-actions-changed-files-2025', title: 'tj-actions/changed-files tag rewrite' },
    summary: { repos: 1, jobs: 2, affected: 1, unresolved: 0, errors: 0, byVerdict: { critical: 0, high: 0, medium: 0, low: 0, 'not-run': 1 }, ran: 0 },
    rows: [row],
    totalRows: 1,
  };

  it('is the last verdict, after the static ones', () => {
    expect(VERDICTS).toEqual([...EXPOSURE_VERDICTS, 'not-run']);
    expect(EXPOSURE_VERDICTS).toEqual(['critical', 'high', 'medium', 'low']);
  });

  it('a not-run row with its static exposure survives a JSON round trip through the props', () => {
    const parsed = parseReportProps(JSON.parse(JSON.stringify({ [PROPS_KEY]: props })));
    expect(parsed).toEqual({ ok: true, value: props });
  });

  it('a not-run row without its static exposure is refused; a static verdict needs none', () => {
    const { exposureVerdict: _lost, ...bare } = row;
    expect(reportRowSchema.safeParse(bare).success).toBe(false);
    expect(parseReportProps({ [PROPS_KEY]: { ...props, rows: [bare] } })).toEqual({
      ok: false,
      reason: 'invalid props at rows.0.exposureVerdict: a not-run row carries its static exposure (exposureVerdict)',
    });
    expect(reportRowSchema.safeParse({ ...bare, verdict: 'high' }).success).toBe(true);
    expect(reportRowSchema.safeParse({ ...row, exposureVerdict: 'not-run' }).success).toBe(false);
  });

  it('carries the contexts the runs used (CircleCI) through a JSON round trip; rows without them still parse', () => {
    const { exposureVerdict: _static, ...base } = row;
    const used: ReportRow = { ...base, platform: 'circleci', verdict: 'high', runs: { state: 'ran', count: 3, contexts: ['aws-prod', 'npm'] } };
    const withContexts = { ...props, rows: [used] };
    expect(parseReportProps(JSON.parse(JSON.stringify({ [PROPS_KEY]: withContexts })))).toEqual({ ok: true, value: withContexts });
    expect(reportRowSchema.parse({ ...used, runs: { state: 'ran', count: 3, contexts: [] } }).runs?.contexts).toEqual([]);
    expect(reportRowSchema.parse(row).runs).toEqual({ state: 'not-run', count: 0 });
    expect(reportRowSchema.safeParse({ ...used, runs: { state: 'ran', count: 3, contexts: 'aws-prod' } }).success).toBe(false);
    expect(reportRowSchema.safeParse({ ...used, runs: { state: 'ran', count: 3, contexts: [7] } }).success).toBe(false);
  });

  it('reads summaries written before it (no not-run count, no ran)', () => {
    const old = { ...props, summary: { repos: 1, jobs: 2, affected: 1, unresolved: 0, errors: 0, byVerdict: { critical: 1, high: 0, medium: 0, low: 0 } }, rows: [{ ...row, verdict: 'critical', exposureVerdict: undefined }] };
    const parsed = parseReportProps({ [PROPS_KEY]: old });
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && parsed.value.summary.byVerdict).toEqual({ critical: 1, high: 0, medium: 0, low: 0 });
  });
});
