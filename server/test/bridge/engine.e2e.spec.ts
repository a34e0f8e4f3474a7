// The bridge with the REAL exposure engine over a small folder of checkouts, driven through the simulator;
// plus the WebSocket timeline and the log discipline of a refused slash command.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseReportProps } from '@ci-exposure/contract';
import { createEngineLookup } from '../../src/mattermost/engine-lookup';
import { createLogger } from '../../src/logger';
import { REPO_ROOT } from '../../../engine/test/helpers/cli-process';
import { makeTempDir } from '../helpers/tmp';
import { startedIncident, startHarness, waitFor, waitForAsync, type Harness } from './harness';

jest.setTimeout(30_000);

function writeRepo(root: string, repo: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, repo, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
}

describe('bridge with the real exposure engine', () => {
  let h: Harness | undefined;
  let cleanup: (() => void) | undefined;
  afterEach(async () => {
    await h?.close();
    cleanup?.();
  });

  it('start runs the engine over the configured checkouts and posts the report with Markdown and JSON files', async () => {
    const tmp = makeTempDir('cix-org-');
    cleanup = tmp.cleanup;
    const org = join(tmp.dir, 'org');
    writeRepo(org, 'acme/@channel-web', {
      '.github/workflows/ci.yml': [
        'name: ci',
        'on: push',
        'jobs:',
        '  test:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - run: bash <(curl -s https://codecov.io/bash)',
        '        env:',
        '          CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}',
        '          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}',
        '',
      ].join('\n'),
    });
    writeRepo(org, 'acme/quiet', {
      '.github/workflows/ci.yml': 'name: ci\non: push\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n',
    });
    const config = { scan: { paths: [org] } };
    h = await startHarness({ lookup: createEngineLookup(config), config: { scanPaths: [org] } });
    const run = await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    expect(run.status).toBe(200);
    const { channelId } = await startedIncident(h, /Codecov/);
    const report = await waitFor('the report post', () => h?.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'));
    const props = parseReportProps(report.props);
    expect(props.ok).toBe(true);
    if (!props.ok) return;
    expect(props.value.summary.repos).toBe(2);
    expect(props.value.summary.affected).toBeGreaterThanOrEqual(1);
    expect(props.value.rows[0]?.repo).toBe('acme/@channel-web');
    expect(props.value.rows[0]?.secrets).toEqual(expect.arrayContaining(['CODECOV_TOKEN', 'NPM_TOKEN']));
    expect(report.file_ids).toHaveLength(2);
    expect(report.message).toMatch(/affected job/);
    expect(report.message).not.toMatch(/(^|[^\u200d])@channel/);
    expect(JSON.stringify(report.props).length).toBeLessThan(8000);

    // `scan` answers the caller only, with the same engine.
    const scan = await h.sim.executeCommand('bob', h.townSquare, '/ci-exposure scan codecov-bash-uploader-2021');
    expect(scan.status).toBe(200);
    const answer = await waitFor('the scan answer', () =>
      h?.sim.ephemerals(h.sim.user('bob')?.id).map((e) => String(e.post.message)).find((m) => /Exposure report/.test(m)),
    );
    expect(answer).toMatch(/\*\*1\*\* affected/);
    expect(h.sim.posts(h.townSquare).some((p) => /Exposure report/.test(p.message))).toBe(false);
    const bad = await h.sim.executeCommand('bob', h.townSquare, '/ci-exposure scan gha:not a spec');
    expect(String(bad.ephemeral?.message)).toMatch(/usage|spec|scan/i);
  });

  it('the compiled bridge runs the lookup in a worker thread, its event loop free meanwhile', async () => {
    const tmp = makeTempDir('cix-org-');
    cleanup = tmp.cleanup;
    const org = join(tmp.dir, 'org');
    for (let i = 0; i < 30; i++) {
      writeRepo(org, `acme/repo${i}`, {
        '.github/workflows/ci.yml': `name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: bash <(curl -s https://codecov.io/bash)\n        env:\n          TOKEN_${i}: \${{ secrets.TOKEN_${i} }}\n`,
      });
    }
    // A private build (tsc, as `npm run build`) of the bridge and of the engine and contract packages it
    // requires, so the test never depends on a stale shared engine/dist, contract/dist or server/dist.
    const build = join(tmp.dir, 'build');
    const modules = join(build, 'node_modules');
    mkdirSync(join(modules, '@ci-exposure'), { recursive: true });
    for (const name of readdirSync(join(REPO_ROOT, 'node_modules'))) {
      if (name !== '@ci-exposure') symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name), 'dir');
    }
    const tsc = (project: string, outDir: string): void => {
      spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--outDir', outDir], { stdio: 'ignore' });
    };
    for (const pkg of ['engine', 'contract']) {
      const dir = join(modules, '@ci-exposure', pkg);
      mkdirSync(dir);
      copyFileSync(join(REPO_ROOT, pkg, 'package.json'), join(dir, 'package.json'));
      tsc(join(REPO_ROOT, pkg, 'tsconfig.build.json'), join(dir, 'dist'));
    }
    tsc(join(REPO_ROOT, 'server', 'tsconfig.build.json'), join(build, 'dist'));
    const compiled = join(build, 'dist', 'mattermost');
    expect(existsSync(join(compiled, 'engine-worker.js'))).toBe(true);
    const built: { createEngineLookup: typeof createEngineLookup } = await import(join(compiled, 'engine-lookup.js'));
    const createCompiled = built.createEngineLookup;
    const lookup = createCompiled({ scan: { paths: [org] } });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const result = await lookup.run({ type: 'indicator', id: 'codecov-bash-uploader-2021' });
    clearInterval(timer);
    expect(result.summary).toMatchObject({ repos: 30, affected: 30 });
    expect(JSON.parse(result.json)).toBeDefined();
    expect(ticks).toBeGreaterThan(0);
    await expect(lookup.run({ type: 'component', spec: 'gha:bad spec' })).rejects.toThrow(/spec/);
    // Progress crosses the worker boundary (validated messages): the last says every repository was read.
    const seen: unknown[] = [];
    const again = await lookup.run({ type: 'indicator', id: 'codecov-bash-uploader-2021' }, { onProgress: (p) => seen.push(p) });
    expect(again.summary).toMatchObject({ repos: 30, affected: 30 });
    expect(seen[0]).toEqual({ read: 0, listed: 30, total: 30 });
    expect(seen.at(-1)).toEqual({ read: 30, listed: 30, total: 30, stage: 'scanning' });
  }, 60_000);

  it('records pinned messages of the incident channel in the timeline (WebSocket)', async () => {
    h = await startHarness({ websocket: true });
    await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId } = await startedIncident(h, /Codecov/);
    const alice = h.sim.user('alice');
    const token = h.sim.createUser('erin', { teams: ['sec'] }).token;
    h.sim.addToChannel(channelId, 'erin');
    const created = await fetch(`${h.sim.url}/api/v4/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel_id: channelId, message: 'Evidence: runner log shows env dump @all' }),
    });
    const post = (await created.json()) as { id: string };
    await fetch(`${h.sim.url}/api/v4/posts/${post.id}/pin`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    const incident = await h.bridge.store.getIncidentByChannel(channelId);
    const pin = await waitForAsync('the pin in the timeline', async () => (await h?.bridge.store.timeline(incident?.id ?? ''))?.find((e) => e.kind === 'pin'));
    expect(pin.text).toMatch(/Evidence: runner log/);
    expect(pin.text).not.toMatch(/(^|[^\u200d])@all/);
    expect(alice).toBeDefined();
    const timeline = await h.sim.executeCommand('alice', channelId, '/ci-exposure timeline');
    expect(String(timeline.ephemeral?.message)).toMatch(/Pinned message: Evidence/);

    // A pin made while the bridge was away is picked up when its WebSocket connects again.
    await h.bridge.close();
    const later = await fetch(`${h.sim.url}/api/v4/posts`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel_id: channelId, message: 'Second evidence while the bridge was down' }),
    });
    const second = (await later.json()) as { id: string };
    await fetch(`${h.sim.url}/api/v4/posts/${second.id}/pin`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
    await h.restart({ websocket: true });
    await waitForAsync('the missed pin', async () => (await h?.bridge.store.timeline(incident?.id ?? ''))?.find((e) => e.kind === 'pin' && e.ref === second.id));
    expect((await h.bridge.store.timeline(incident?.id ?? '')).filter((e) => e.kind === 'pin')).toHaveLength(2);
  });

  it('logs a refused slash command without its token', async () => {
    let log = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        log += chunk.toString();
        done();
      },
    });
    h = await startHarness({ logger: createLogger('info', sink) });
    const forged = 'zz9forgedtokenvalue9999999';
    const res = await fetch(`${h.bridge.url}/slash`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Token ${forged}` },
      body: new URLSearchParams({ token: forged, team_id: h.teamId, channel_id: h.townSquare, user_id: 'u', user_name: 'mallory', command: '/ci-exposure', text: 'list' }),
    });
    expect(res.status).toBe(401);
    await waitFor('the refusal in the log', () => log.includes('slash command refused'));
    expect(log).not.toContain(forged);
    // The real command token never reaches the log either.
    const real = h.sim.commands(h.teamId)[0]?.token ?? '';
    await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure help');
    expect(real).not.toBe('');
    expect(log).not.toContain(real);
  });
});
