import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { componentCacheSource } from '../../sources/component-cache';
import { readLocalPaths } from '../../sources/local-dir';
import { EXPOSURE_RULES } from '../exposure/assess';
import { CATALOG } from '../indicators';
import { scanMany } from '../scan';
import type { Finding, ScanResult } from '../model';
import { csvCell, escapeMarkdown, renderCsv, renderJson, renderMarkdown, renderReport, renderSarif, renderTable, toJsonReport } from '.';
import { countByVerdict, distinctAffectedJobs, jobRows, secretNames, tamperText, usesText } from './common';
import { namesCell } from './table';
import { finding, HOSTILE, result, sample } from './testing';

/** Text with no mention Mattermost would fire, no link or image and no HTML tag. */
function expectInert(md: string): void {
  expect(md).not.toMatch(/@(channel|here|all|alice)/);
  expect(md).not.toMatch(/\]\(/);
  expect(md).not.toMatch(/https?:\/\//);
  expect(md).not.toMatch(/www\.evil/);
  expect(md).not.toMatch(/<[a-z/!]/i);
  expect(md).not.toMatch(/evil\.example\.com/);
}

describe('escapeMarkdown', () => {
  it('neutralises mentions, links, images, HTML, emphasis, pipes and newlines', () => {
    const out = escapeMarkdown(HOSTILE);
    expectInert(out);
    expect(out).not.toContain('\n');
    expect(out).toContain('@\u200Dchannel');
    expect(out).toContain('\\|');
    expect(out).toContain('\\*bold\\*');
    expect(out).toContain('&lt;img');
    expect(out).toContain('http\\[:\\]//evil\\[.\\]example\\[.\\]com/x');
  });

  it.each([
    ['codecov.io/bash', 'codecov[.]io/bash'],
    ['a_b', 'a\\_b'],
    ['x@example.com', 'x@example[.]com'],
    ['codecov/codecov@1.1.1', 'codecov/codecov@1.1.1'],
    ['é@channel', 'é@\u200Dchannel'],
    ['(@here)', '\\(@\u200Dhere\\)'],
    ['plain text', 'plain text'],
    ['~town-square', '\\~\u200Dtown-square'],
    ['config.yml', 'config.yml'],
  ])('%j → %j', (input, out) => {
    expect(escapeMarkdown(input)).toBe(out.replace(/\[/g, '\\[').replace(/\]/g, '\\]'));
  });
});

describe('markdown', () => {
  it('lists affected jobs by severity, summarises, and leaves no live mention or link', () => {
    const md = renderMarkdown(sample);
    expectInert(md);
    const rows = md.split('\n').filter((l) => l.startsWith('| **'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('**critical**');
    expect(md).toContain('1 use not affected');
    expect(md).toContain('**Unresolved components**');
    expect(md).toContain('yaml-syntax');
    // Every affected finding is explained (three: no note that some are not).
    expect(md).toContain('**Why, and what to do**\n');
    // Each table row keeps 7 cells despite pipes in the data.
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2).toBe(7);
  });
});

describe('json', () => {
  it('has exactly the shape of the issue', () => {
    const json: unknown = JSON.parse(renderJson(sample));
    expect(Object.keys(json as object)).toEqual(['indicator', 'summary', 'findings', 'unresolved', 'errors']);
    const parsed = json as { summary: object; findings: Array<Record<string, unknown>>; errors: unknown[] };
    expect(Object.keys(parsed.summary)).toEqual(['repos', 'files', 'jobs', 'affected', 'unresolved', 'errors', 'complete', 'incomplete']);
    expect(Object.keys(parsed.findings[0] ?? {})).toEqual(['repo', 'file', 'line', 'platform', 'workflow', 'job', 'jobId', 'affected', 'chain', 'exposure', 'tamper', 'verdict', 'ruleIds', 'reasons', 'advice']);
    expect(parsed.findings[0]).toMatchObject({ verdict: 'critical', tamper: [{ via: 'workspace', consumers: [{ job: 'deploy', holds: ['context deploy-creds'] }] }] });
    expect(Object.keys((parsed.findings[0]?.exposure as object) ?? {})).toEqual(['contexts', 'secrets', 'permissions', 'oidc', 'selfHosted', 'triggers']);
    expect(parsed.errors).toEqual([{ repo: 'acme/bad', file: '.gitlab-ci.yml', line: 7, message: 'yaml-syntax: bad indentation' }]);
  });

  it('tamper paths: the issue keys, `name` when known, `through` only for consumers reached through other jobs', () => {
    const transitive = finding({
      verdict: 'critical',
      tamper: [
        {
          via: 'cache',
          name: 'gomod',
          consumers: [
            { job: 'build', holds: [] },
            { job: 'deploy (through build: artifact)', holds: ['deploys (environment production)'], through: [{ job: 'build', via: 'artifact', name: 'build' }] },
          ],
        },
        { via: 'workspace', consumers: [{ job: 'package', holds: [] }] },
      ],
    });
    const parsed = JSON.parse(renderJson(result([transitive]))) as { findings: Array<{ tamper: Array<Record<string, unknown> & { consumers: Array<Record<string, unknown>> }> }> };
    const [cache, workspace] = parsed.findings[0]?.tamper ?? [];
    expect(Object.keys(cache ?? {})).toEqual(['via', 'name', 'consumers']);
    expect(Object.keys(workspace ?? {})).toEqual(['via', 'consumers']);
    expect(cache?.consumers.map((c) => Object.keys(c))).toEqual([
      ['job', 'holds'],
      ['job', 'holds', 'through'],
    ]);
    expect(cache?.consumers[1]).toEqual({ job: 'deploy (through build: artifact)', holds: ['deploys (environment production)'], through: [{ job: 'build', via: 'artifact', name: 'build' }] });
  });

  it('several results give an array', () => {
    const out: unknown = JSON.parse(renderJson([sample, result([])]));
    expect(Array.isArray(out)).toBe(true);
    expect((out as unknown[]).length).toBe(2);
  });

  it('is the text JSON.stringify gives, for one result and several sharing their unresolved uses and errors', () => {
    const version = { commit: 'c0ffee', role: 'head' as const, committedAt: Date.UTC(2025, 2, 14) };
    const shared = {
      ...sample,
      unresolved: [
        { repo: 'acme/app', file: '.github/workflows/ci.yml', line: 4, ref: 'acme/private@v1', reason: `no action.yml; ${HOSTILE}` },
        { repo: 'acme/app', file: '.github/workflows/ci.yml', line: 9, ref: 'acme/other@v2', reason: 'not in the cache', versions: [version] },
      ],
      errors: [...sample.errors, { repo: 'acme/app', file: 'ci.yml', line: 2, code: 'yaml-syntax', message: 'tab\tand "quotes"', versions: [version] }],
    };
    // The second result lists the same objects (as a catalog scan does) and one of its own.
    const other = { ...result([]), unresolved: [...shared.unresolved, { repo: 'acme/b', file: 'x.yml', line: 1, ref: 'r', reason: 'other' }], errors: shared.errors };
    const lists: Array<readonly ScanResult[]> = [[shared, other, shared], [result([])], []];
    for (const list of lists) expect(renderJson(list)).toBe(`${JSON.stringify(list.map(toJsonReport), null, 2)}\n`);
    for (const one of [shared, other, result([]), sample]) expect(renderJson(one)).toBe(`${JSON.stringify(toJsonReport(one), null, 2)}\n`);
    expect((JSON.parse(renderJson([shared, other])) as Array<{ unresolved: unknown[] }>).map((r) => r.unresolved.length)).toEqual([2, 3]);
  });

  it('long lists sharing most of their items (as a catalog scan gives) are written as JSON.stringify writes them', () => {
    const uses = Array.from({ length: 150 }, (_, i) => ({ repo: `acme/r${i % 7}`, file: 'ci.yml', line: i + 1, ref: `org/action${i}@v1`, reason: `not read (${i})` }));
    const one = { ...result([]), unresolved: uses };
    // The same list with one use told otherwise, a shorter one, and one in another order.
    const changed = { ...result([]), unresolved: uses.map((u, i) => (i === 70 ? { ...u, reason: 'matched' } : u)) };
    const shorter = { ...result([]), unresolved: uses.slice(0, 130) };
    const reversed = { ...result([]), unresolved: [...uses].reverse() };
    const list = [one, changed, shorter, one, reversed];
    expect(renderJson(list)).toBe(`${JSON.stringify(list.map(toJsonReport), null, 2)}\n`);
  });
});

describe('sarif', () => {
  const schemaPath = join(__dirname, '..', '..', '..', '..', 'node_modules', '@microsoft', 'jest-sarif', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  const { $schema: _draft, id, ...rest } = schema;
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile({ ...rest, $id: String(id) });

  const root = join(__dirname, '..', '..', '..', '..');
  const examples = readLocalPaths([join(root, 'examples', 'org')]);
  const engine = scanMany(examples.repos, CATALOG, componentCacheSource(join(root, 'examples', 'cache')));

  it.each([
    ['one result', [sample]],
    ['several results', [sample, result([])]],
    ['nothing found', [result([])]],
    ['the engine over examples/org, every catalog incident', engine],
  ])('is valid SARIF 2.1.0 (%s)', (_name, results) => {
    const log: unknown = JSON.parse(renderSarif(results, { toolVersion: '0.1.0' }));
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('lists the exposure rules in the driver; a result per affected use, its ruleId the rule that decided it, file:line and the job key', () => {
    const log = JSON.parse(renderSarif(sample)) as {
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string; name: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }> } };
        results: Array<{ ruleId: string; ruleIndex?: number; level: string; locations: Array<{ physicalLocation: { region: { startLine: number } }; logicalLocations: Array<{ name: string }> }>; properties: Record<string, unknown> }>;
      }>;
    };
    const run = log.runs[0];
    const rules = run?.tool.driver.rules ?? [];
    expect(rules.map((r) => r.id)).toEqual(EXPOSURE_RULES.map((r) => r.meta.id));
    expect(rules.find((r) => r.id === 'deploy')).toMatchObject({ name: 'Deploy', defaultConfiguration: { level: 'error' } });
    expect(rules.find((r) => r.id === 'compromised-component')).toMatchObject({ name: 'CompromisedComponent', defaultConfiguration: { level: 'note' } });
    expect(run?.results).toHaveLength(3);
    expect(run?.results[0]).toMatchObject({ ruleId: 'tamper', level: 'error', properties: { jobId: 'codecov', ruleIds: ['tamper', 'compromised-component', 'contexts'], indicator: 'codecov-bash-uploader-2021' } });
    expect(rules[run?.results[0]?.ruleIndex ?? -1]?.id).toBe('tamper');
    expect(run?.results[0]?.locations[0]?.physicalLocation.region.startLine).toBe(10);
    expect(run?.results[0]?.locations[0]?.logicalLocations[0]?.name).toBe('codecov');
    // No result names an indicator and a verdict as its rule any more.
    for (const r of run?.results ?? []) expect(rules.map((x) => x.id)).toContain(r.ruleId);
  });
});

describe('several incidents over the same jobs', () => {
  const platformFinding = finding({
    job: 'build',
    verdict: 'critical',
    exposure: { contexts: ['deploy-creds'], secrets: ['context deploy-creds', 'project environment variables'], permissions: 'not applicable', oidc: false, selfHosted: false, triggers: [] },
  });

  it('lists a context once in SECRETS even when the exposure names it among the secrets too', () => {
    expect(secretNames(platformFinding)).toEqual(['context deploy-creds', 'project environment variables']);
  });

  it('the table counts a job affected by two incidents once, then the per-incident counts', () => {
    const a = result([finding({}), platformFinding]);
    const b = { ...result([finding({}), finding({ job: 'other' })]), indicator: { id: 'circleci-platform-2023', title: 'CircleCI breach' } };
    expect(distinctAffectedJobs([a, b])).toBe(3);
    expect(renderTable([a, b])).toContain('3 jobs affected by at least one (per indicator: codecov-bash-uploader-2021 2, circleci-platform-2023 2)');
    expect(renderTable([result([]), result([])])).toMatch(/\): no affected job\nINCOMPLETE: 1 input error \(unreadable or malformed files, or parts left out\); 1 component whose source could not be read: what was not read is not known to be clean\n$/);
  });
});

describe('tamper, compactly', () => {
  const t = { via: 'cache' as const, name: 'gomod', consumers: [{ job: 'build', holds: [] }, { job: 'deploy (through build: artifact)', holds: ['deploys'], through: [{ job: 'build', via: 'artifact' as const }] }] };

  it('names what is written and what each consumer holds', () => {
    expect(tamperText(t)).toBe('cache gomod → build, deploy (through build: artifact) (holds deploys)');
    expect(tamperText({ via: 'push', consumers: [] })).toBe('push');
  });

  it('appears in the table, CSV, markdown (escaped) and SARIF properties', () => {
    const r = result([finding({ verdict: 'medium', tamper: [t] })]);
    expect(renderTable(r, { maxCell: 200 })).toContain('cache gomod → build, deploy (through build: artifact) (holds deploys)');
    expect(renderCsv(r)).toContain('cache gomod → build');
    expect(renderMarkdown(r)).toContain('cache gomod → build, deploy \\(through build: artifact\\) \\(holds deploys\\)');
    const log = JSON.parse(renderSarif(r)) as { runs: Array<{ results: Array<{ properties: { tamper: string[] } }> }> };
    expect(log.runs[0]?.results[0]?.properties.tamper).toEqual([tamperText(t)]);
  });
});

describe('csv', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['+1', "'+1"],
    ['-cmd', "'-cmd"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [7, '7'],
  ])('%j → %s', (input, out) => {
    expect(csvCell(input)).toBe(out);
  });

  it('has a header and one CRLF row per finding', () => {
    const csv = renderCsv(sample);
    const lines = csv.split('\r\n');
    expect(lines[0]).toMatch(/^indicator,verdict,affected,repo,file,line,/);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain("'@channel");
    expect(csv).not.toMatch(/,@channel/);
  });
});

describe('table', () => {
  it('prints affected rows, a summary line and no ANSI unless asked', () => {
    const t = renderTable(sample);
    expect(t).toContain('VERDICT');
    expect(t).toContain('critical  acme/deploy');
    expect(t).not.toContain('acme/pinned');
    expect(t).toMatch(/3 affected jobs of 5 jobs in 2 repositories \(3 pipeline files, 1 unresolved component, 1 error\)/);
    // eslint-disable-next-line no-control-regex
    expect(t).not.toMatch(/\u001b/);
    expect(renderTable(sample, { color: true })).toContain('\u001b[1;31m');
    expect(renderTable(sample, { all: true })).toContain('acme/pinned');
  });

  it('drops control characters from repository strings', () => {
    const t = renderTable(result([finding({ job: 'x\u001b[2Jy' })]));
    // eslint-disable-next-line no-control-regex
    expect(t).not.toMatch(/\u001b/);
  });
});

describe('renderReport', () => {
  it.each(['table', 'json', 'sarif', 'csv', 'markdown'] as const)('renders %s', (format) => {
    expect(renderReport(format, sample).length).toBeGreaterThan(50);
  });
});

describe('markdown explanations', () => {
  it('says when only the first findings are explained below the table', () => {
    const md = renderMarkdown(result(Array.from({ length: 7 }, (_, i) => finding({ job: `j${i}` }))));
    expect(md).toContain('**Why, and what to do** (the first 5 of 7; the JSON report has every finding');
    expect(md.split('\n').filter((l) => l.startsWith('- **low**'))).toHaveLength(5);
  });
});

describe('markdown size', () => {
  it('stays within a Mattermost post, cut at a line with a note', () => {
    const many = result(Array.from({ length: 200 }, (_, i) => finding({ job: `job-${i}`, reasons: ['x'.repeat(2000)] })));
    const md = renderMarkdown([many, many, many], { maxRows: 200 });
    expect(md.length).toBeLessThanOrEqual(15_001);
    expect(md).toContain('report truncated to fit a post');
  });
});

describe('the table SECRETS cell', () => {
  it('keeps whole names and counts the rest', () => {
    expect(namesCell([], 60)).toBe('-');
    expect(namesCell(['A_TOKEN', 'B_TOKEN'], 60)).toBe('A_TOKEN, B_TOKEN');
    const many = Array.from({ length: 12 }, (_, i) => `SECRET_NUMBER_${i}`);
    const cell = namesCell(many, 60);
    expect(cell).toMatch(/^SECRET_NUMBER_0, SECRET_NUMBER_1, SECRET_NUMBER_2, \+9 more$/);
    expect(cell.length).toBeLessThanOrEqual(60);
    // One name longer than the cell is cut, with the count after it.
    expect(namesCell(['X'.repeat(100), 'Y'], 20)).toBe(`${'X'.repeat(19)}…, +1 more`);
  });
});

describe('a use that is not affected', () => {
  it('has verdict none in JSON and CSV (it was not assessed), not low', () => {
    const json = JSON.parse(renderJson(sample)) as { findings: Array<{ repo: string; affected: boolean; verdict: string }> };
    expect(json.findings.find((f) => f.repo === 'acme/pinned')).toMatchObject({ affected: false, verdict: 'none' });
    expect(json.findings.filter((f) => f.affected).map((f) => f.verdict)).toEqual(['critical', 'low', 'low']);
    expect(renderCsv(sample).split('\r\n').find((l) => l.includes('acme/pinned'))).toMatch(/^codecov-bash-uploader-2021,none,false,acme\/pinned,/);
  });
});

describe('what the scan could not read is in every format', () => {
  const complete: ScanResult = { ...result([]), summary: { repos: 1, files: 1, jobs: 5, affected: 0, unresolved: 0, errors: 0 }, unresolved: [], errors: [] };
  const nothingRead: ScanResult = { ...complete, summary: { ...complete.summary, files: 0, jobs: 0 } };

  it('JSON: the unresolved uses, and whether the scan is complete with what it lacked', () => {
    const json = JSON.parse(renderJson(sample)) as { summary: { complete: boolean; incomplete: string[] }; unresolved: unknown[] };
    expect(json.unresolved).toEqual([{ repo: 'acme/app', file: '.circleci/config.yml', line: 3, ref: 'acme/missing@1.0.0', reason: 'looked for component cache path circleci/orbs/acme/missing@1.0.0.yml' }]);
    expect(json.summary).toMatchObject({ complete: false, incomplete: ['1 input error (unreadable or malformed files, or parts left out)', '1 component whose source could not be read'] });
    expect(JSON.parse(renderJson(complete))).toMatchObject({ summary: { complete: true, incomplete: [] }, unresolved: [] });
    expect(JSON.parse(renderJson(nothingRead))).toMatchObject({ summary: { complete: false, incomplete: ['no pipeline file was found in the given paths'] } });
  });

  it('SARIF: unresolved uses as warnings and input errors as errors, located in their repository; the run says it is incomplete', () => {
    const log = JSON.parse(renderSarif([sample, result([])])) as {
      runs: Array<{
        invocations: Array<{ toolExecutionNotifications: Array<{ level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }> }> }>;
        originalUriBaseIds: Record<string, unknown>;
        results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId: string } } }> }>;
        properties: { complete: boolean };
      }>;
    };
    const run = log.runs[0];
    const notes = run?.invocations[0]?.toolExecutionNotifications ?? [];
    // Once each, though two results carry them.
    expect(notes.map((n) => [n.level, n.locations[0]?.physicalLocation.artifactLocation])).toEqual([
      ['error', { uri: '.gitlab-ci.yml', uriBaseId: 'REPO:acme/bad' }],
      ['warning', { uri: '.circleci/config.yml', uriBaseId: 'REPO:acme/app' }],
    ]);
    expect(notes[1]?.message.text).toBe('acme/app: unresolved component acme/missing@1.0.0: looked for component cache path circleci/orbs/acme/missing@1.0.0.yml');
    expect(run?.results[0]?.locations[0]?.physicalLocation.artifactLocation).toEqual({ uri: '.circleci/config.yml', uriBaseId: 'REPO:acme/deploy' });
    expect(Object.keys(run?.originalUriBaseIds ?? {})).toEqual(expect.arrayContaining(['REPO:acme/app', 'REPO:acme/bad', 'REPO:acme/deploy']));
    expect(run?.properties.complete).toBe(false);
    expect((JSON.parse(renderSarif(complete)) as { runs: Array<{ properties: { complete: boolean } }> }).runs[0]?.properties.complete).toBe(true);
  });

  it('CSV: a row per unresolved use and per input error after the findings', () => {
    const lines = renderCsv(sample).trimEnd().split('\r\n');
    expect(lines.slice(-2)).toEqual([
      'codecov-bash-uploader-2021,unresolved,,acme/app,.circleci/config.yml,3,,,,,,,,,,,,acme/missing@1.0.0,,looked for component cache path circleci/orbs/acme/missing@1.0.0.yml,',
      'codecov-bash-uploader-2021,error,,acme/bad,.gitlab-ci.yml,7,,,,,,,,,,,,,,yaml-syntax: bad indentation,',
    ]);
    expect(renderCsv(complete).trimEnd().split('\r\n')).toHaveLength(1);
  });

  it('table and Markdown say the scan is incomplete, and say nothing when it is not', () => {
    expect(renderTable(sample)).toContain('INCOMPLETE: 1 input error (unreadable or malformed files, or parts left out); 1 component whose source could not be read: what was not read is not known to be clean');
    expect(renderTable(complete)).not.toContain('INCOMPLETE');
    expect(renderTable(nothingRead)).toContain('INCOMPLETE: no pipeline file was found in the given paths');
    expect(renderMarkdown(sample)).toContain(':warning: **Incomplete scan:** 1 input error (unreadable or malformed files, or parts left out); 1 component whose source could not be read. What was not read is not known to be clean.');
    expect(renderMarkdown([sample, result([])]).startsWith(':warning: **Incomplete scan:**')).toBe(true);
    expect(renderMarkdown(complete)).not.toContain('Incomplete');
  });
});

describe('one row per affected job in the human reports, one result per use in JSON and SARIF (issue 9)', () => {
  // One job (key `pre-commit`, display name `PreCommit`) that calls the action four times, another job
  // calling it once, and a job of the same key in another workflow file (a different job).
  const use = (line: number, partial: Partial<Finding> = {}): Finding =>
    finding({ platform: 'github-actions', file: '.github/workflows/ci.yml', jobFile: '.github/workflows/ci.yml', workflow: 'CI', job: 'PreCommit', jobId: 'pre-commit', line, verdict: 'high', chain: [{ kind: 'gha-action', ref: 'actions-cool/issues-helper@v3', file: '.github/workflows/ci.yml', line }], ...partial });
  const findings = [
    use(30),
    use(12),
    use(41, { verdict: 'critical', tamper: [{ via: 'release', name: 'the image pushed at .github/workflows/ci.yml:50 (docker push)', consumers: [] }] }),
    use(55),
    use(8, { job: 'lint', jobId: 'lint' }),
    use(9, { file: '.github/workflows/nightly.yml', jobFile: '.github/workflows/nightly.yml' }),
  ];
  const r = { ...result(findings), summary: { repos: 1, files: 2, jobs: 3, affected: 3, unresolved: 0, errors: 0 } };

  it('jobRows: one row per job (its key within its file), its uses in order, the most severe verdict', () => {
    const rows = jobRows(r);
    expect(rows.map((x) => [x.jobId, x.verdict, usesText(x.uses)])).toEqual([
      ['pre-commit', 'critical', '.github/workflows/ci.yml:12,30,41,55'],
      ['lint', 'high', '.github/workflows/ci.yml:8'],
      ['pre-commit', 'high', '.github/workflows/nightly.yml:9'],
    ]);
    expect(rows[0]?.findings[0]?.line).toBe(41);
    expect(countByVerdict(r)).toEqual({ critical: 1, high: 2, medium: 0, low: 0, 'not-run': 0 });
  });

  it('table: three rows, the uses as a file:line list and the key next to the display name', () => {
    const lines = renderTable(r, { maxCell: 200 }).split('\n');
    const rows = lines.filter((l) => /^(critical|high)\s/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^critical\s+acme\/app\s+\.github\/workflows\/ci\.yml:12,30,41,55\s+CI \/ PreCommit \[pre-commit\]\s/);
    expect(rows[0]).toContain('release: the image pushed at .github/workflows/ci.yml:50 (docker push)');
    expect(rows[1]).toMatch(/CI \/ lint\s/);
    expect(rows[2]).toMatch(/nightly\.yml:9\s+CI \/ PreCommit \[pre-commit\]\s/);
    expect(lines[1]).toMatch(/^VERDICT\s+REPO\s+USES \(FILE:LINE\)\s+JOB/);
  });

  it('Markdown: three rows and three explanations', () => {
    const md = renderMarkdown(r);
    const rows = md.split('\n').filter((l) => l.startsWith('| **'));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('| .github/workflows/ci.yml:12,30,41,55 | PreCommit \\(pre-commit\\) |');
    expect(md).toContain('critical 1 · high 2 · medium 0 · low 0');
    expect(md.split('\n').filter((l) => l.startsWith('- **'))).toHaveLength(3);
  });

  it('JSON, CSV and SARIF: one result per use, each job with its key, the uses of one job together', () => {
    const json = JSON.parse(renderJson(r)) as { findings: Array<{ jobId: string; job: string; line: number; ruleIds: string[] }> };
    expect(json.findings.map((f) => `${f.jobId}:${f.line}`)).toEqual(['pre-commit:41', 'pre-commit:12', 'pre-commit:30', 'pre-commit:55', 'lint:8', 'pre-commit:9']);
    expect(json.findings[0]).toMatchObject({ job: 'PreCommit', jobId: 'pre-commit', ruleIds: ['compromised-component'] });
    const csv = renderCsv(r).split('\r\n');
    const header = csv[0]?.split(',') ?? [];
    expect(header.slice(header.indexOf('job'), header.indexOf('job') + 2)).toEqual(['job', 'job_id']);
    expect(header).toContain('rule_ids');
    expect(csv.filter((l) => l.includes(',PreCommit,pre-commit,'))).toHaveLength(5);
    const log = JSON.parse(renderSarif(r)) as { runs: Array<{ results: Array<{ properties: { jobId: string; job: string } }> }> };
    expect(log.runs[0]?.results.map((x) => x.properties.jobId)).toEqual(['pre-commit', 'pre-commit', 'pre-commit', 'pre-commit', 'lint', 'pre-commit']);
  });
});

describe('the engine over examples/org in every format', () => {
  const root = join(__dirname, '..', '..', '..', '..');
  const examples = readLocalPaths([join(root, 'examples', 'org')]);
  const results = scanMany(examples.repos, CATALOG, componentCacheSource(join(root, 'examples', 'cache')));

  it('every affected finding has its job key and the rules that fired; SARIF results name a rule of the driver', () => {
    const findings = results.flatMap((r) => r.findings);
    expect(findings.filter((f) => f.affected).length).toBeGreaterThan(5);
    for (const f of findings) {
      expect(f.jobId).not.toBe('');
      if (f.affected) expect(f.ruleIds).toContain('compromised-component');
      else expect(f.ruleIds).toEqual([]);
    }
    const log = JSON.parse(renderSarif(results)) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; ruleIndex: number }> }> };
    const run = log.runs[0];
    expect(run?.results.length).toBe(findings.filter((f) => f.affected).length);
    for (const r of run?.results ?? []) expect(run?.tool.driver.rules[r.ruleIndex]?.id).toBe(r.ruleId);
  });

  it('the human reports have one row per affected job, as many as the summary counts', () => {
    for (const r of results) expect(jobRows(r)).toHaveLength(r.summary.affected);
  });

  it('JSON: the text JSON.stringify gives for the whole catalog', () => {
    expect(results.some((r) => r.unresolved.length > 0)).toBe(true);
    expect(renderJson(results)).toBe(`${JSON.stringify(results.map(toJsonReport), null, 2)}\n`);
  });
});
