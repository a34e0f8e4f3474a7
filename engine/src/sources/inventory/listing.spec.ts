/**
 * The listing kept with the index (listing.ts): an unchanged organisation is not listed again; a
 * checkout added or removed, a folder added, a folder that becomes a checkout (a marker at its root, or a
 * workflow in its `.github/workflows`), a racy folder, or a path that is itself a checkout: listed again —
 * and whatever happened, the checkouts refreshed are those listLocalPaths gives now.
 */
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path, { join } from 'node:path';
import { makeTempDir } from '../../../test/helpers/tmp';
import { componentCacheSource } from '../component-cache';
import { listLocalPaths } from '../local-dir';
import { listingFacts, listingHolds } from './listing';
import { type LocalRefreshed, refreshLocalPaths } from './local-refresh';
import { inventoryStore } from './store';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const EXAMPLES = join(REPO_ROOT, 'examples', 'org', 'acme');
const source = componentCacheSource(join(REPO_ROOT, 'examples', 'cache'));
const OPTIONS = { tool: 'test', source: 'cache', inputs: ['org'], racySlackNs: 0n };

/** Past the file system's timestamp tick, so that what was written so far is older than the next run's start. */
const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 60));

function generateOrg(org: string, copies: number): void {
  for (let i = 0; i < copies; i++) {
    for (const name of readdirSync(EXAMPLES).sort()) cpSync(join(EXAMPLES, name), join(org, `team-${i % 2}`, `${name}-${i}`), { recursive: true });
  }
}

/** A refresh through a lazy listing: the result, and whether it listed. */
async function refresh(data: string, org: string, racySlackNs = 0n): Promise<{ r: LocalRefreshed; listed: number }> {
  let listed = 0;
  const r = await refreshLocalPaths(
    inventoryStore(data, [org]),
    {
      paths: [org],
      list: () => {
        listed++;
        return listLocalPaths([org]);
      },
    },
    source,
    { ...OPTIONS, racySlackNs },
  );
  return { r, listed };
}

/** The checkouts of a refresh (by their summaries), and what listLocalPaths gives now. */
function expectListedNow(r: LocalRefreshed, org: string): void {
  const now = listLocalPaths([org]);
  expect(r.view.summaries.map((s) => s.repo)).toEqual(now.checkouts.map((c) => c.id));
  expect(r.total).toBe(now.checkouts.length);
}

describe('the listing kept with the index', () => {
  const tmp = makeTempDir('cix-listing-');
  afterAll(tmp.cleanup);

  test('unchanged: not listed again; a checkout added, then removed, then a folder added: listed again', async () => {
    const org = join(tmp.dir, 'org-a');
    const data = join(tmp.dir, 'data-a');
    generateOrg(org, 2);
    await tick();
    const first = await refresh(data, org);
    expect([first.listed, first.r.total, first.r.listingReused]).toEqual([1, 16, false]);
    const again = await refresh(data, org);
    expect([again.listed, again.r.total, again.r.reread, again.r.listingReused]).toEqual([0, 16, 0, true]);
    expectListedNow(again.r, org);

    cpSync(join(EXAMPLES, readdirSync(EXAMPLES).sort()[0] ?? ''), join(org, 'team-1', 'added'), { recursive: true });
    await tick();
    const added = await refresh(data, org);
    expect([added.listed, added.r.total, added.r.reread]).toEqual([1, 17, 1]);
    expectListedNow(added.r, org);
    expect((await refresh(data, org)).listed).toBe(0);

    rmSync(join(org, 'team-1', 'added'), { recursive: true });
    await tick();
    const removed = await refresh(data, org);
    expect([removed.listed, removed.r.total, removed.r.reread]).toEqual([1, 16, 0]);
    expectListedNow(removed.r, org);

    cpSync(join(EXAMPLES, readdirSync(EXAMPLES).sort()[1] ?? ''), join(org, 'team-9', 'new'), { recursive: true });
    await tick();
    const folder = await refresh(data, org);
    expect([folder.listed, folder.r.total]).toEqual([1, 17]);
    expectListedNow(folder.r, org);
  });

  test('a folder that becomes a checkout: a marker at its root, or a workflow in its empty .github/workflows', async () => {
    const org = join(tmp.dir, 'org-b');
    const data = join(tmp.dir, 'data-b');
    generateOrg(org, 2);
    mkdirSync(join(org, 'team-1', '.github', 'workflows'), { recursive: true });
    await tick();
    expect((await refresh(data, org)).listed).toBe(1);
    expect((await refresh(data, org)).listed).toBe(0);

    writeFileSync(join(org, 'team-1', '.github', 'workflows', 'ci.yml'), 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n');
    await tick();
    const glob = await refresh(data, org);
    expect(glob.listed).toBe(1);
    expectListedNow(glob.r, org);
    // team-1 is one checkout now: its folders are no longer listed as checkouts.
    expect(glob.r.view.summaries.map((s) => s.repo)).toContain('team-1');
    expect(glob.r.total).toBe(9);

    writeFileSync(join(org, 'team-0', '.gitlab-ci.yml'), 'job:\n  script: echo hi\n');
    await tick();
    const marker = await refresh(data, org);
    expect([marker.listed, marker.r.total]).toEqual([1, 2]);
    expectListedNow(marker.r, org);
  });

  test('racy folders, or a path that is a checkout, are never recorded: listed every time', async () => {
    const org = join(tmp.dir, 'org-c');
    const data = join(tmp.dir, 'data-c');
    generateOrg(org, 1);
    // Written just now: with a slack of 2 s, the folders' facts are racy.
    expect((await refresh(data, org, 2_000_000_000n)).listed).toBe(1);
    expect((await refresh(data, org, 2_000_000_000n)).listed).toBe(1);

    const one = join(org, 'team-0', readdirSync(join(org, 'team-0')).sort()[0] ?? '');
    const listed = listLocalPaths([one]);
    expect(listed.checkouts).toEqual([{ root: one, id: path.basename(one) }]);
    await tick();
    expect(listingFacts([one], listed, BigInt(Date.now() + 60_000) * 1_000_000n)).toBeUndefined();
    expect(listingFacts([org], listLocalPaths([org]), BigInt(Date.now() + 60_000) * 1_000_000n)).toEqual(expect.stringContaining(`${org}\t`));
    expect(listingHolds('')).toBe(false);
    expect(listingHolds(`${org}\td:1:1:1:1`)).toBe(false);
  });
});
