import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Finding, FindingRuns, ScanResult } from '../model';
import { renderCsv, renderJson, renderMarkdown, renderSarif, renderTable } from '.';
import { isPublicLog, PUBLIC_LOG_TEXT, runsText } from './common';
import { ghaFinding as finding } from './testing';

const SHA = 'a'.repeat(40);
const ran: FindingRuns = {
  state: 'ran',
  count: 14,
  first: '2025-03-14T16:00:00Z',
  last: '2025-03-15T11:00:00Z',
  urls: ['https://github.com/acme/web/actions/runs/9/job/99'],
  resolved: [{ action: 'tj-actions/changed-files@v44', sha: SHA, malicious: true }],
  resolution: 'malicious',
  payloadInLog: true,
  publicLog: true,
  logs: [{ jobId: 99, url: 'https://github.com/acme/web/actions/runs/9/job/99', readAt: '2026-01-02T03:04:05Z', sha256: 'f'.repeat(64), bytes: 2048, lines: [{ line: 3, text: `Download action repository 'tj-actions/changed-files@v44' (SHA:${SHA})` }], payloadLines: [{ line: 40, length: 812 }] }],
};
const notRun: FindingRuns = { state: 'not-run', count: 0, urls: [], resolved: [], logs: [] };
const unavailable: FindingRuns = { state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no token' };

function result(findings: Finding[]): ScanResult {
  return {
    indicator: { id: 'tj-actions-changed-files-2025', title: 'tj-actions/changed-files tag rewrite' },
    summary: { repos: 3, files: 3, jobs: 3, affected: findings.length, unresolved: 0, errors: 0, ran: findings.filter((f) => f.runs?.state === 'ran').length },
    findings,
    unresolved: [],
    errors: [],
  };
}

const withEvidence = result([
  finding({ runs: ran, reasons: [`acme/web is public and a run in the window printed the payload to its log: ${PUBLIC_LOG_TEXT}, not only the payload's author.`, 'The job reads NPM_TOKEN.'] }),
  finding({ repo: 'acme/quiet', job: 'lint', verdict: 'medium', runs: notRun }),
  finding({ repo: 'acme/old', job: 'docs', verdict: 'low', runs: unavailable }),
]);

describe('isPublicLog', () => {
  it.each([
    ['public, ran, payload in the log', ran, 'public', true],
    ['visibility not known', ran, undefined, false],
    ['private', ran, 'private', false],
    ['internal', ran, 'internal', false],
    ['public, no payload in the log', { ...ran, payloadInLog: false }, 'public', false],
    ['public, payload not known', { ...ran, payloadInLog: undefined }, 'public', false],
    ['public, did not run', notRun, 'public', false],
    ['public, history unavailable', unavailable, 'public', false],
    ['no evidence', undefined, 'public', false],
  ] as const)('%s', (_name, runs, visibility, expected) => {
    expect(isPublicLog(runs, visibility)).toBe(expected);
  });
});

describe('runsText', () => {
  it('says the public log first, then the runs', () => {
    expect(runsText(ran)).toBe(
      `${PUBLIC_LOG_TEXT}: ran 14 times in the window (first 2025-03-14T16:00:00Z, last 2025-03-15T11:00:00Z): ran the malicious commit; the payload printed to its log https://github.com/acme/web/actions/runs/9/job/99`,
    );
    expect(runsText({ ...ran, publicLog: undefined })).toBe(
      'ran 14 times in the window (first 2025-03-14T16:00:00Z, last 2025-03-15T11:00:00Z): ran the malicious commit; the payload printed to its log https://github.com/acme/web/actions/runs/9/job/99',
    );
  });
});

describe('sarif carries the run evidence', () => {
  const schemaPath = join(__dirname, '..', '..', '..', '..', 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile({ ...rest, $id: String(id) });
  const log = JSON.parse(renderSarif(withEvidence)) as { runs: Array<{ results: Array<{ message: { text: string }; properties: Record<string, unknown> }> }> };
  const results = log.runs[0]?.results ?? [];

  it('is valid SARIF 2.1.0', () => {
    expect(validate(log)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it('puts `runs` in each result: state, count, times, resolution, public log, each log by hash — never its lines', () => {
    expect(results).toHaveLength(3);
    expect(results[0]?.properties.runs).toEqual({
      state: 'ran',
      count: 14,
      first: '2025-03-14T16:00:00Z',
      last: '2025-03-15T11:00:00Z',
      urls: ['https://github.com/acme/web/actions/runs/9/job/99'],
      resolution: 'malicious',
      resolved: [{ action: 'tj-actions/changed-files@v44', sha: SHA, malicious: true }],
      payloadInLog: true,
      publicLog: true,
      logs: [{ url: 'https://github.com/acme/web/actions/runs/9/job/99', readAt: '2026-01-02T03:04:05Z', sha256: 'f'.repeat(64) }],
    });
    expect(results[1]?.properties.runs).toEqual({ state: 'not-run', count: 0, urls: [], resolved: [], logs: [] });
    expect(results[2]?.properties.runs).toEqual({ state: 'unavailable', count: 0, urls: [], resolved: [], logs: [], reason: 'no token' });
    expect(JSON.stringify(log)).not.toContain('Download action repository');
  });

  it('says the runs in the message; a finding without evidence has no `runs`', () => {
    expect(results[0]?.message.text.startsWith(`high: job changes (CI) in acme/web runs a component of tj-actions-changed-files-2025 via tj-actions/changed-files@v44. It can read: NPM_TOKEN. acme/web is public`)).toBe(true);
    expect(results[0]?.message.text.endsWith(`Runs: ${runsText(ran)}.`)).toBe(true);
    expect(results[1]?.message.text.endsWith('Runs: did not run in the window.')).toBe(true);
    expect(results[2]?.message.text.endsWith('Runs: run history unavailable: no token.')).toBe(true);
    const plain = JSON.parse(renderSarif(result([finding({})]))) as { runs: Array<{ results: Array<{ properties: Record<string, unknown> }> }> };
    expect(plain.runs[0]?.results[0]?.properties).not.toHaveProperty('runs');
  });
});

describe('csv carries the run evidence', () => {
  it('adds ran, run_count, first_run, last_run, resolution, public_log — `unavailable` never blank', () => {
    const rows = renderCsv(withEvidence).split('\r\n');
    const header = rows[0]?.split(',') ?? [];
    expect(header.slice(-6)).toEqual(['ran', 'run_count', 'first_run', 'last_run', 'resolution', 'public_log']);
    const cells = (i: number): string[] => (rows[i] ?? '').split(',').slice(-6);
    expect(cells(1)).toEqual(['ran', '14', '2025-03-14T16:00:00Z', '2025-03-15T11:00:00Z', 'malicious', 'true']);
    expect(cells(2)).toEqual(['not-run', '0', '', '', '', 'false']);
    expect(cells(3)).toEqual(['unavailable', '0', '', '', '', 'false']);
    expect(rows).toHaveLength(5); // header, three findings, the final CRLF
  });

  it('has no run columns without evidence, and empty ones on a finding the evidence did not cover', () => {
    expect(renderCsv(result([finding({})])).split('\r\n')[0]).not.toContain('run_count');
    const mixed = renderCsv(result([finding({ runs: notRun }), finding({ repo: 'acme/cci', platform: 'circleci' })])).split('\r\n');
    expect(mixed.find((r) => r.includes('acme/cci'))?.split(',').slice(-6)).toEqual(['', '', '', '', '', '']);
    expect(mixed.find((r) => r.includes('acme/web'))?.split(',').slice(-6)).toEqual(['not-run', '0', '', '', '', 'false']);
  });
});

describe('the public log is said first', () => {
  it('JSON: runs.publicLog true, the reason first', () => {
    const json = JSON.parse(renderJson(withEvidence)) as { findings: Array<{ runs?: { publicLog?: boolean }; reasons: string[] }> };
    expect(json.findings[0]?.runs?.publicLog).toBe(true);
    expect(json.findings[0]?.reasons[0]).toContain(PUBLIC_LOG_TEXT);
    expect(json.findings[1]?.runs).not.toHaveProperty('publicLog');
  });

  it('table: the runs line right under the row, starting with it', () => {
    const lines = renderTable(withEvidence).split('\n');
    const row = lines.findIndex((l) => l.includes('acme/web'));
    expect(lines[row + 1]).toBe(`  runs: ${PUBLIC_LOG_TEXT}: ran 14 times in the window (first 2025-03-14T16:00:00Z, last 2025-03-15T11:00:00Z): ran the malicious commit; the payload printed to its log https://github.com/acme/web/actions/runs/9/job/99`);
    expect(lines).toContain('  runs: did not run in the window');
    expect(lines).toContain('  runs: run history unavailable: no token');
  });

  it('Markdown: the job explanation starts with it', () => {
    const md = renderMarkdown(withEvidence);
    const line = md.split('\n').find((l) => l.startsWith('- **high** ') && l.includes('acme/web')) ?? '';
    expect(line).toMatch(/: acme\/web is public and a run in the window printed the payload to its log: the secrets were readable by anyone who opened the log/);
  });
});
