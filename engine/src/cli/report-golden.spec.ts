/**
 * The reports of the speed work's faster paths against the reports the scan gave before it (issue 12):
 * the whole catalog over examples/ (with its component cache) and over ../shared/ci-corpus (when present),
 * as `ci-exposure scan PATH --cache examples/cache --format json` writes them — same jobs, verdicts,
 * file:line, chains, unresolved components and errors, byte for byte. The golden report of examples/ and
 * the digest of the corpus's were made with the code before that work; a change that means to change a
 * report makes them again (the command above, the examples folder's path written `<examples>`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runSourceScan } from './scan-sources';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const EXAMPLES = path.join(REPO_ROOT, 'examples');
const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'ci-corpus');

/** The JSON report of the whole catalog over `target`, the examples folder's path written `<examples>`. */
async function catalogReport(target: string): Promise<string> {
  let out = '';
  await runSourceScan({ paths: [target], cache: path.join(EXAMPLES, 'cache'), format: 'json' }, { stdout: (t) => (out += t), stderr: () => undefined });
  return out.split(EXAMPLES).join('<examples>');
}

describe('reports after the speed work', () => {
  it('examples/: the report before it, byte for byte', async () => {
    const golden = readFileSync(path.join(__dirname, '__fixtures__', 'examples-catalog.golden.json'), 'utf8');
    const report = await catalogReport(path.join(EXAMPLES, 'org'));
    expect(JSON.parse(report)).toEqual(JSON.parse(golden));
    expect(report).toBe(golden);
  }, 60_000);

  const corpus = existsSync(CORPUS);
  if (!corpus) process.stderr.write('report-golden.spec: ../shared/ci-corpus is absent; the corpus report is not compared\n');

  (corpus ? it : it.skip)(
    '../shared/ci-corpus: the report before it (its digest and its counts)',
    async () => {
      const report = await catalogReport(CORPUS);
      const parsed = JSON.parse(report) as Array<{ indicator: { id: string }; summary: { repos: number; jobs: number; affected: number; unresolved: number; errors: number }; findings: unknown[] }>;
      // The counts first (a readable difference), then every byte.
      expect(parsed.slice(0, 3).map((r) => [r.indicator.id, r.summary.repos, r.summary.jobs, r.summary.affected, r.findings.length, r.summary.unresolved, r.summary.errors])).toEqual([
        ['codecov-bash-uploader-2021', 15, 185, 0, 3, 437, 0],
        ['circleci-platform-2023', 15, 185, 27, 27, 437, 0],
        ['ultralytics-2024', 15, 185, 0, 0, 437, 0],
      ]);
      expect(createHash('sha256').update(report).digest('hex')).toBe('4f584c05c815a669d654e9448c7222a620103642f295c8b9183beaf9bd06b794');
    },
    120_000,
  );
});
