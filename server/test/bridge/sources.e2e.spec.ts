// The bridge configured with an organisation's SOURCES (issue 10), the real engine, driven through the
// Mattermost simulator: a `file:///` git repository built here with dated commits, `github:acme` on the
// engine's GitHub simulator (which also serves the actions fetched), and a git URL to a repository that
// does not exist. `/ci-exposure start tj-actions-changed-files-2025` answers for all of them as the
// pipelines were in the incident window; the lookup's progress is one post, edited; a source that fails
// makes the report partial, with its reason, and the incident still starts. And the time limit.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { parseReportProps } from '@ci-exposure/contract';
import { SOURCE_PROVIDERS, type RepoFailure, type RepoVersion, type SourceProvider } from '@ci-exposure/engine';
import { makeGitRepo, type TestRepo } from '../../../engine/test/helpers/git-repo';
import { GitHubSimulator } from '../../../engine/test/simulators/github/server';
import { createLogger } from '../../src/logger';
import { createEngineLookup } from '../../src/mattermost/engine-lookup';
import { PROGRESS_PROP } from '../../src/mattermost/incident-chat';
import type { Post } from '../simulator';
import { makeTempDir } from '../helpers/tmp';
import { startedIncident, startHarness, waitFor, waitForAsync, type Harness } from './harness';

jest.setTimeout(60_000);

const TOKEN = 'ghp_bridge_sources_secret';
const CHANGED_FILES = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: tj-actions/changed-files@v39
        id: changed
`;

const jsonReport = z.object({
  summary: z.object({ repos: z.number(), affected: z.number(), complete: z.boolean(), incomplete: z.array(z.string()) }),
  findings: z.array(
    z.object({
      repo: z.string(),
      file: z.string(),
      line: z.number(),
      affected: z.boolean(),
      versions: z.array(z.object({ commit: z.string(), role: z.string(), liveUntil: z.string().optional(), replacedBy: z.string().optional() })).optional(),
      live: z.string().optional(),
      stillExposedNow: z.boolean().optional(),
    }),
  ),
  unresolved: z.array(z.object({ repo: z.string(), ref: z.string() })),
  errors: z.array(z.object({ repo: z.string(), message: z.string() })),
});

async function fileText(h: Harness, fileId: string): Promise<string> {
  const res = await fetch(`${h.sim.url}/api/v4/files/${fileId}`, { headers: { Authorization: `Bearer ${h.sim.adminToken}` } });
  expect(res.status).toBe(200);
  return res.text();
}

function progressPost(h: Harness, channelId: string): Post | undefined {
  return h.sim.posts(channelId).find((p) => p.props?.[PROGRESS_PROP] !== undefined);
}

describe('bridge over configured sources', () => {
  let h: Harness | undefined;
  let tmp: ReturnType<typeof makeTempDir>;
  let github: GitHubSimulator;
  let agentkit: TestRepo;

  beforeEach(async () => {
    tmp = makeTempDir('cix-sources-');
    agentkit = makeGitRepo(join(tmp.dir, 'coinbase', 'agentkit'), [
      { at: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED_FILES, 'README.md': 'x' } },
      { at: '2025-03-14T16:37:00Z', message: 'remove changed-files workflow', files: { '.github/workflows/changed-files.yml': null } },
    ]);
    github = await new GitHubSimulator({ token: TOKEN }).start();
    github.addOrg('acme');
    github.addRepo({ full: 'acme/web', commits: [{ date: '2024-11-02T10:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED_FILES } }] });
    github.addRepo({ full: 'actions/checkout', commits: [{ date: '2024-01-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'checkout()\n' } }], refs: { v4: 0 } });
    github.addRepo({
      full: 'tj-actions/changed-files',
      commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
      refs: { v39: { commit: 0, annotated: true } },
    });
  });

  afterEach(async () => {
    await h?.close();
    h = undefined;
    expect(github.rejected).toEqual([]);
    expect(github.executionErrors).toEqual([]);
    expect(github.violations).toEqual([]);
    await github.stop();
    tmp.cleanup();
  });

  it('answers for every source as in the window: the workflow deleted inside it is found, with its version; a missing repository makes it partial', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    const missing = `file://${join(tmp.dir, 'acme', 'gone')}.git`;
    h = await startHarness({
      logger: createLogger('debug', sink),
      config: { scanSources: ['github:acme', agentkit.url, missing], scanDataDir: join(tmp.dir, 'sources') },
      engine: { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.apiUrl } },
    });
    const run = await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start tj-actions-changed-files-2025');
    expect(run.status).toBe(200);
    const { channelId } = await startedIncident(h, /tj-actions/);
    const report = await waitFor('the report post', () => h?.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'), 45_000);

    // The post: both repositories affected, and partial with the missing repository's reason.
    const props = parseReportProps(report.props);
    if (!props.ok) throw new Error(props.reason);
    expect(props.value.summary).toMatchObject({ repos: 2, affected: 2, unresolved: 0, errors: 1 });
    expect(props.value.rows.map((r) => [r.repo, r.file, r.line]).sort()).toEqual([
      ['acme/web', '.github/workflows/changed-files.yml', 8],
      ['coinbase/agentkit', '.github/workflows/changed-files.yml', 8],
    ]);
    expect(report.message).toContain(':warning: **partial: 1 repository not read** — what was not read is not known to be clean.');
    expect(report.message).toMatch(/\n- acme/);
    expect(report.message).toMatch(/gone: git clone failed: fatal: /);

    // The Markdown report leads with the same; the JSON report has the version the finding holds for.
    const [mdId = '', jsonId = ''] = report.file_ids ?? [];
    const markdown = await fileText(h, mdId);
    expect(markdown.split('\n')[0]).toBe(':warning: **partial: 1 repository not read** — what was not read is not known to be clean.');
    expect(markdown).toMatch(/gone: git clone failed: fatal: /);
    const json = jsonReport.parse(JSON.parse(await fileText(h, jsonId)));
    const [start, removal] = agentkit.commits;
    const agent = json.findings.find((f) => f.repo === 'coinbase/agentkit' && f.affected);
    expect(agent).toMatchObject({
      versions: [{ commit: start, role: 'window-start', liveUntil: '2025-03-14T16:37:00.000Z', replacedBy: removal }],
      live: `${start?.slice(0, 7)}…, live from before the window until its removal by ${removal?.slice(0, 7)}… at 2025-03-14 16:37 UTC`,
      stillExposedNow: false,
    });
    expect(json.findings.find((f) => f.repo === 'acme/web' && f.affected)).toMatchObject({ versions: [{ commit: github.oid('acme/web', 0), role: 'window-start' }] });
    // The actions were fetched from the (simulated) GitHub: nothing unresolved.
    expect(json.unresolved).toEqual([]);
    expect(json.errors).toEqual([{ repo: 'acme/gone', message: expect.stringMatching(/^repo-unavailable: not read: git clone failed: fatal: /) }]);
    expect(json.summary.incomplete).toEqual(['1 repository the source did not give (partial scan)']);

    // One progress post, edited, ending "done".
    const progress = progressPost(h, channelId);
    expect(h.sim.posts(channelId).filter((p) => p.props?.[PROGRESS_PROP] !== undefined)).toHaveLength(1);
    expect(progress?.message).toMatch(/^Exposure lookup: done in \d+ s · 2 repositories read · partial: 1 repository not read \(see the report\)$/);
    expect(progress?.edit_at).toBeGreaterThan(0);
    const patches = h.sim.requests().filter((r) => r.method === 'PUT' && r.path === `/api/v4/posts/${progress?.id ?? ''}/patch`);
    expect(patches.length).toBeGreaterThanOrEqual(1);

    // The incident started all the same: its checklist says the answer is incomplete.
    const incident = await waitForAsync('the lookup recorded', async () => {
      const i = await h?.bridge.store.getIncidentByChannel(channelId);
      return i?.evidence ? i : undefined;
    });
    expect(incident.status).toBe('open');
    expect(incident.evidence).toMatchObject({ complete: false, incomplete: ['1 repository the source did not give (partial scan)'] });

    // The token went to the GitHub simulator only: never in a post, a file or the log.
    for (const p of h.sim.posts()) expect(JSON.stringify(p)).not.toContain(TOKEN);
    expect(markdown).not.toContain(TOKEN);
    expect(log).not.toContain(TOKEN);
    expect(github.calls.graphql).toBeGreaterThan(0);

    // A re-check reads today's heads: agentkit removed the workflow, acme/web still runs it.
    const now = await createEngineLookup(h.config, { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.apiUrl } }).run({ type: 'indicator', id: 'tj-actions-changed-files-2025' }, { headsOnly: true });
    expect(now.reportProps.rows.map((r) => r.repo)).toEqual(['acme/web']);
    expect(now.partial?.notRead.map((r) => r.repo)).toEqual(['acme/gone']);
  });

  it("a branch ref is read as of the window's end, not as it is today (the fetchers get the window)", async () => {
    // acme/wrap@main ran tj-actions/changed-files during the window; its maintainers removed it afterwards.
    const WRAP_IN_WINDOW = 'runs:\n  using: composite\n  steps:\n    - uses: tj-actions/changed-files@v39\n';
    github.addRepo({
      full: 'acme/wrap',
      commits: [
        { date: '2025-03-01T00:00:00Z', files: { 'action.yml': WRAP_IN_WINDOW } },
        { date: '2025-04-01T00:00:00Z', files: { 'action.yml': 'runs:\n  using: composite\n  steps:\n    - run: echo clean\n      shell: bash\n' } },
      ],
    });
    github.addRepo({
      full: 'acme/ci',
      commits: [{ date: '2024-12-01T00:00:00Z', files: { '.github/workflows/ci.yml': 'on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme/wrap@main\n' } }],
    });
    h = await startHarness({ config: { scanSources: ['github:acme/ci'], scanDataDir: join(tmp.dir, 'sources') }, engine: { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.apiUrl } } });
    const lookup = createEngineLookup(h.config, { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: github.apiUrl } });
    const inWindow = await lookup.run({ type: 'indicator', id: 'tj-actions-changed-files-2025' });
    expect(inWindow.reportProps.rows.map((r) => [r.repo, r.job])).toEqual([['acme/ci', 'build']]);
    expect(inWindow.summary.unresolved).toBe(0);
    // Today's heads (a re-check): the branch as it is now, clean.
    const today = await lookup.run({ type: 'indicator', id: 'tj-actions-changed-files-2025' }, { headsOnly: true });
    expect(today.reportProps.rows).toEqual([]);
    expect(today.summary.unresolved).toBe(0);
  });

  it('a lookup past its time limit reports what it read, partial, with what was not done; refusals listed escaped', async () => {
    const workflow = { path: '.github/workflows/changed-files.yml', text: CHANGED_FILES };
    // `refuse:` gives one repository and refuses another with a hostile reason; `stall:` never ends.
    const refuse: SourceProvider = {
      prefix: 'refuse',
      usage: 'refuse:ORG',
      create: (rest) => ({
        id: `refuse:${rest}`,
        async *versions(): AsyncIterable<RepoVersion | RepoFailure> {
          yield { repo: `${rest}/open`, files: [workflow], version: { commit: 'a'.repeat(40), role: 'head' } };
          yield { repo: `${rest}/@channel-secret`, reason: '403 Forbidden: @channel [click](http://evil.example) <img src=x>', failure: true };
        },
      }),
    };
    const stall: SourceProvider = {
      prefix: 'stall',
      usage: 'stall:ORG',
      create: (rest) => ({
        id: `stall:${rest}`,
        async *versions(_window, progress): AsyncIterable<RepoVersion | RepoFailure> {
          progress?.listed(2, 2);
          yield { repo: `${rest}/first`, files: [workflow], version: { commit: 'b'.repeat(40), role: 'head' } };
          progress?.read(`${rest}/first`);
          await new Promise(() => undefined);
        },
      }),
    };
    h = await startHarness({
      config: { scanSources: ['refuse:acme', 'stall:beta', 'stall:gamma'], scanDataDir: join(tmp.dir, 'sources'), scanTimeoutMinutes: 0.01 },
      engine: { env: {}, providers: [...SOURCE_PROVIDERS, refuse, stall] },
    });
    await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start tj-actions-changed-files-2025');
    const { channelId } = await startedIncident(h, /tj-actions/);
    const report = await waitFor('the report post', () => h?.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'), 20_000);
    const props = parseReportProps(report.props);
    if (!props.ok) throw new Error(props.reason);
    expect(props.value.summary).toMatchObject({ repos: 2, affected: 2 });
    expect(props.value.rows.map((r) => r.repo).sort()).toEqual(['acme/open', 'beta/first']);

    const lines = report.message.split('\n');
    const at = lines.findIndex((l) => l.startsWith(':warning: **partial'));
    expect(lines.slice(at, at + 6)).toEqual([
      ':warning: **partial: 3 repositories not read; stopped at the time limit** — what was not read is not known to be clean.',
      '- acme/@\u200dchannel-secret: 403 Forbidden: @\u200dchannel \\[click\\]\\(http\\[:\\]//evil\\[.\\]example\\) &lt;img src=x&gt;',
      "- stall:beta: the lookup's time limit \\(600 ms\\) was reached while reading this source: the repositories it had not given yet are not in the report",
      "- stall:gamma: the lookup's time limit \\(600 ms\\) was reached before this source was read",
      '- Not done: reading stall:beta stopped at the time limit \\(600 ms\\)',
      '- Not done: 1 source was not read before the time limit \\(600 ms\\): stall:gamma',
    ]);
    // The refusal's reason is escaped: no mention, link or HTML survives.
    expect(report.message).not.toMatch(/(^|[^\u200d])@channel/);
    expect(report.message).not.toContain('[click](http://evil.example)');
    expect(report.message).not.toContain('<img');

    const progress = progressPost(h, channelId);
    expect(progress?.message).toMatch(/^Exposure lookup: done in \d+ s · 2 repositories read · partial: 3 repositories not read \(see the report\)$/);
    expect(progress?.edit_at).toBeGreaterThan(0);
  });

  it('a lookup that fails ends its progress post "failed" and says so in the channel', async () => {
    h = await startHarness({ config: { scanSources: [] }, engine: { env: {} } });
    await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start tj-actions-changed-files-2025');
    const { channelId } = await startedIncident(h, /tj-actions/);
    const notice = await waitFor('the failure notice', () => h?.sim.posts(channelId).find((p) => /The exposure lookup failed/.test(p.message)));
    // Escaped as every error text in a post (parentheses included).
    expect(notice.message).toBe(':warning: The exposure lookup failed: no sources are configured \\(scan.sources or scan.paths\\)');
    expect(progressPost(h, channelId)?.message).toMatch(/^Exposure lookup: failed: no sources are configured \\\(scan\.sources or scan\.paths\\\) \(after \d+ s\)$/);
  });
});
