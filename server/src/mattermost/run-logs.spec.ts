/**
 * The bridge's lookup with run evidence (`scan.evidence`) against the GitHub simulator: the report rows
 * carry runs (and the public log), the lookup carries what was read of each log, the store keeps it per
 * incident — never the whole log, never a secret value — and a later lookup that finds a log gone says
 * "log already gone" once.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { GitHubSimulator } from '../../../engine/test/simulators/github/server';
import { newIncident, opened } from '../incidents/model';
import { storeRunLogs } from '../incidents/run-logs';
import { templateFor } from '../incidents/templates';
import { openSqliteStore } from '../store/sqlite';
import type { Store } from '../store/store';
import { makeTempDir } from '../../test/helpers/tmp';
import { computeLookup, lookupSettings, workerMessageSchema } from './engine-lookup';

jest.setTimeout(30_000);

const TOKEN = 'ghp_run_logs_token';
const MALICIOUS = '0e58ed8671d6b60d0890c21b07f8835ace038e67';
const SECRET_VALUE = 'dpl_value_never_stored';
const CHANGED = `name: Changed files
on: pull_request
jobs:
  changed:
    runs-on: ubuntu-latest
    steps:
      - uses: tj-actions/changed-files@v39
        env:
          TOKEN: \${{ secrets.DEPLOY_TOKEN }}
`;
const PAYLOAD = Buffer.from(Buffer.from(`{"DEPLOY_TOKEN":{"value":"${SECRET_VALUE}","isSecret":true}}`).toString('base64')).toString('base64');
const DOWNLOAD = `2025-03-14T17:00:02.0000000Z Download action repository 'tj-actions/changed-files@v39' (SHA:${MALICIOUS})`;
const LOG = ['2025-03-14T17:00:01.0000000Z Prepare all required actions', DOWNLOAD, `2025-03-14T17:00:09.0000000Z ${PAYLOAD}`, ''].join('\n');
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

let sim: GitHubSimulator;
let tmp: ReturnType<typeof makeTempDir>;
let store: Store;
let job: { name: string; log: string | { status: 404 | 410 } | { generate: () => Iterable<string> } };
let jobId: number;

beforeEach(async () => {
  tmp = makeTempDir('cix-run-logs-');
  sim = await new GitHubSimulator({ token: TOKEN }).start();
  sim.addOrg('acme');
  sim.addRepo({ full: 'acme/open', visibility: 'PUBLIC', commits: [{ date: '2025-01-10T09:00:00Z', files: { '.github/workflows/changed-files.yml': CHANGED } }] });
  sim.addRepo({
    full: 'tj-actions/changed-files',
    commits: [{ date: '2025-03-14T16:00:00Z', files: { 'action.yml': 'runs:\n  using: node20\n  main: dist/index.js\n', 'dist/index.js': 'changed()\n' } }],
    refs: { v39: 0 },
  });
  job = { name: 'changed', log: LOG };
  jobId = sim.actions.addRun('acme/open', { path: '.github/workflows/changed-files.yml', createdAt: '2025-03-14T17:00:00Z', jobs: [job] }).jobIds[0] ?? -1;
  store = openSqliteStore(join(tmp.dir, 'store'));
  const { incident, timeline } = newIncident({
    id: 'inc1',
    teamId: 'team',
    name: 'n',
    kind: 'action',
    target: { type: 'indicator', id: 'tj-actions-changed-files-2025' },
    severity: 'critical',
    startedBy: { userId: 'a'.repeat(26), username: 'alice' },
    template: templateFor('action'),
    now: T0,
  });
  await store.insertIncident(opened(incident, { id: 'chan', name: 'inc' }, 'post'), timeline);
});

afterEach(async () => {
  expect(sim.rejected).toEqual([]);
  expect(sim.violations).toEqual([]);
  await store.close();
  await sim.stop();
  tmp.cleanup();
});

function lookup(evidence: boolean): ReturnType<typeof computeLookup> {
  const settings = lookupSettings({ scan: { paths: [], sources: ['github:acme'], dataDir: join(tmp.dir, 'sources'), evidence } });
  return computeLookup(settings, { type: 'indicator', id: 'tj-actions-changed-files-2025' }, { env: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl }, now: () => T0 });
}

describe('run evidence in the bridge lookup', () => {
  it('without scan.evidence: no runs in the rows, nothing to keep', async () => {
    const result = await lookup(false);
    expect(result.reportProps.rows.map((r) => r.runs)).toEqual([undefined]);
    expect(result.runLogs).toBeUndefined();
  });

  it('rows carry runs and the public log; the log reading is kept per incident; a later 410 says "log already gone" once', async () => {
    const result = await lookup(true);
    expect(result.reportProps.rows).toHaveLength(1);
    expect(result.reportProps.rows[0]?.runs).toEqual({ state: 'ran', count: 1, first: '2025-03-14T17:00:10.000Z', last: '2025-03-14T17:00:10.000Z', resolution: 'malicious', publicLog: true });
    expect(result.reportProps.rows[0]?.reasons[0]).toBe("acme/open is public and a run in the window printed the payload to its log: the secrets were readable by anyone who opened the log, not only the payload's author.");
    // What crosses the worker boundary is valid there too.
    expect(workerMessageSchema.safeParse({ type: 'answer', ok: true, result }).success).toBe(true);

    const sha256 = createHash('sha256').update(LOG).digest('hex');
    const reading = { repo: 'acme/open', jobId, sha256, bytes: Buffer.byteLength(LOG), lines: [{ line: 2, text: DOWNLOAD }], payloadLines: [{ line: 3, length: PAYLOAD.length }] };
    expect(result.runLogs).toEqual({ readings: [expect.objectContaining(reading)], gone: [] });

    const first = await storeRunLogs(store, 'inc1', result.runLogs ?? { readings: [], gone: [] }, T0);
    expect(first).toMatchObject({ added: 1, gone: [], timeline: [] });
    const kept = await store.logReadings('inc1');
    expect(kept).toEqual([expect.objectContaining(reading)]);
    expect(kept[0]).not.toHaveProperty('goneAt');
    // Never the whole log, never the payload, never a secret value.
    const dump = JSON.stringify(kept);
    expect(dump).not.toContain(PAYLOAD);
    expect(dump).not.toContain(SECRET_VALUE);
    expect(dump).not.toContain('Prepare all required actions');

    // The log expires; the next lookup finds it gone.
    job.log = { status: 410 };
    const later = await lookup(true);
    expect(later.runLogs).toEqual({ readings: [], gone: [{ repo: 'acme/open', jobId, status: 410 }] });
    expect(later.reportProps.rows[0]?.runs).toMatchObject({ state: 'ran', count: 1, resolution: 'unavailable' });
    const at = T0 + 3_600_000;
    const second = await storeRunLogs(store, 'inc1', later.runLogs ?? { readings: [], gone: [] }, at);
    expect(second.timeline).toEqual([
      {
        at,
        kind: 'evidence',
        ref: `log-gone:acme/open:${jobId}`,
        text: `Log already gone: the log of job ${jobId} of acme/open answered HTTP 410 (expired or deleted). It was read 2026-01-02 03:04 UTC (sha256 ${sha256.slice(0, 12)}…, ${Buffer.byteLength(LOG)} bytes); the line matched then is kept.`,
      },
    ]);
    expect((await store.timeline('inc1')).filter((e) => e.ref?.startsWith('log-gone:')).map((e) => e.text)).toEqual([second.timeline[0]?.text]);
    // What was read is still there, with when it went.
    expect(await store.logReadings('inc1')).toEqual([{ ...kept[0], goneAt: at, goneStatus: 410 }]);
    // Said once: a third lookup finding it still gone adds nothing.
    const third = await storeRunLogs(store, 'inc1', later.runLogs ?? { readings: [], gone: [] }, at + 1);
    expect(third.timeline).toEqual([]);
  });

  it('a log larger than 64 MB: kept as read up to 64 MB (`truncated`), and "log already gone" says its hash is of the first 64 MB', async () => {
    // 65 MB, produced as it is served: the download line first, filler after.
    const filler = `2025-03-14T17:00:05.0000000Z ${'x'.repeat(1024 - 29 - 1)}\n`;
    job.log = {
      generate: function* () {
        yield LOG;
        for (let i = 0; i < 65 * 1024; i++) yield filler;
      },
    };
    expect(Buffer.byteLength(filler)).toBe(1024);
    const result = await lookup(true);
    const [reading] = result.runLogs?.readings ?? [];
    expect(reading).toMatchObject({ repo: 'acme/open', jobId, bytes: 64 * 1024 * 1024, truncated: true, lines: [{ line: 2, text: DOWNLOAD }], payloadLines: [{ line: 3, length: PAYLOAD.length }] });
    expect(result.reportProps.rows[0]?.runs).toMatchObject({ state: 'ran', resolution: 'malicious', publicLog: true });
    await storeRunLogs(store, 'inc1', result.runLogs ?? { readings: [], gone: [] }, T0);
    expect(await store.logReadings('inc1')).toEqual([expect.objectContaining({ jobId, bytes: 64 * 1024 * 1024, truncated: true })]);
    job.log = { status: 410 };
    const later = await lookup(true);
    const gone = await storeRunLogs(store, 'inc1', later.runLogs ?? { readings: [], gone: [] }, T0 + 1);
    expect(gone.timeline.map((e) => e.text)).toEqual([
      `Log already gone: the log of job ${jobId} of acme/open answered HTTP 410 (expired or deleted). It was read 2026-01-02 03:04 UTC (sha256 ${(reading?.sha256 ?? '').slice(0, 12)}…, the hash of the first 64 MB: the log was larger and was not read past it); the line matched then is kept.`,
    ]);
  });

  it('a log never read that is gone is not "already gone" (nothing was kept of it)', async () => {
    job.log = { status: 404 };
    const result = await lookup(true);
    expect(result.runLogs).toEqual({ readings: [], gone: [{ repo: 'acme/open', jobId, status: 404 }] });
    const stored = await storeRunLogs(store, 'inc1', result.runLogs ?? { readings: [], gone: [] }, T0);
    expect(stored).toEqual({ added: 0, gone: [], timeline: [] });
    expect(await store.logReadings('inc1')).toEqual([]);
  });
});
