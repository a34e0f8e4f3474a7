// End to end, through the Mattermost simulator and the GitHub simulator (REST answers checked against
// api.github.com.json): with GITHUB_TOKEN set, the bridge asks GitHub's Actions secrets for each exposed
// secret; one rotated after the incident started (updated_at) ticks its sub-item on the next re-check,
// one not rotated stays open, one GitHub cannot tell about stays open and says why.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChecklistProps, type ChecklistProps } from '@ci-exposure/contract';
import { GitHubSimulator } from '../../../engine/test/simulators/github/server';
import { createEngineLookup } from '../../src/mattermost/engine-lookup';
import { makeTempDir } from '../helpers/tmp';
import { startedIncident, startHarness, waitFor, type Harness } from './harness';

jest.setTimeout(60_000);

const TOKEN = 'ghp_bridge_evidence_token';
const EXPOSED = [
  'name: ci',
  'on: push',
  'jobs:',
  '  test:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - run: bash <(curl -s https://codecov.io/bash)',
  '        env:',
  '          CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}',
  '          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}',
  '',
].join('\n');

type Item = NonNullable<ChecklistProps['milestones'][number]['items']>[number];

function secretItems(h: Harness, postId: string): Item[] {
  const post = h.sim.posts().find((p) => p.id === postId);
  const parsed = post ? parseChecklistProps(post.props) : undefined;
  return (parsed?.ok ? parsed.value.milestones.find((m) => m.id === 'secrets-rotated')?.items : undefined) ?? [];
}

function item(items: Item[], label: string, repo: string): Item | undefined {
  return items.find((i) => i.label === label && i.where === `pipeline config of ${repo}`);
}

describe('secrets rotated, verified by GitHub (GitHub and Mattermost simulators, real engine)', () => {
  let h: Harness | undefined;
  let gh: GitHubSimulator | undefined;
  let cleanup: (() => void) | undefined;

  afterEach(async () => {
    const violations = [...(h?.sim.openapiViolations() ?? []), ...(gh?.violations ?? [])];
    await h?.close();
    await gh?.stop();
    h = undefined;
    gh = undefined;
    cleanup?.();
    expect(violations).toEqual([]);
  });

  it('ticks a secret whose updated_at is after the incident start, and only that one', async () => {
    const tmp = makeTempDir('cix-gh-evidence-');
    cleanup = tmp.cleanup;
    const org = join(tmp.dir, 'org');
    for (const repo of ['acme/web', 'acme/api']) {
      mkdirSync(join(org, repo, '.github/workflows'), { recursive: true });
      writeFileSync(join(org, repo, '.github/workflows/ci.yml'), EXPOSED);
    }
    gh = await new GitHubSimulator({ token: TOKEN }).start();
    const sim = gh;
    // acme/web is on GitHub with both secrets stored long ago; acme/api is not (GitHub answers 404).
    sim.addRepo({ full: 'acme/web', visibility: 'PRIVATE', commits: [{ date: '2025-01-01T00:00:00Z', files: { '.github/workflows/ci.yml': EXPOSED } }] });
    const old = { createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-06-01T00:00:00Z' };
    sim.actions.setRepoSecrets('acme/web', [
      { name: 'NPM_TOKEN', ...old },
      { name: 'CODECOV_TOKEN', ...old },
    ]);

    h = await startHarness({
      lookup: createEngineLookup({ scan: { paths: [org] } }),
      config: { scanPaths: [org] },
      evidenceEnv: { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: sim.apiUrl },
      recheckIntervalMs: 300,
    });
    const harness = h;
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId, post } = await startedIncident(harness, /Codecov/);
    const first = await waitFor('the secret sub-items read from GitHub', () => {
      const items = secretItems(harness, post.id);
      return items.length === 4 && items.every((i) => i.evidence?.state !== 'manual') ? items : undefined;
    });
    expect(item(first, 'NPM_TOKEN', 'acme/web')).toMatchObject({ done: false, evidence: { state: 'not-yet', source: 'GitHub (repository acme/web)' } });
    expect(item(first, 'CODECOV_TOKEN', 'acme/web')).toMatchObject({ done: false, evidence: { state: 'not-yet', source: 'GitHub (repository acme/web)' } });
    expect(item(first, 'NPM_TOKEN', 'acme/api')).toMatchObject({ done: false, evidence: { state: 'unknown', source: 'GitHub', reason: 'repository acme/api: GitHub answered HTTP 404: Not Found' } });

    // NPM_TOKEN of acme/web is rotated on GitHub after the incident started: the schedule ticks it.
    const started = (await harness.bridge.store.getIncidentByChannel(channelId))?.startedAt ?? 0;
    const rotatedAt = new Date(started + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    sim.actions.setRepoSecrets('acme/web', [
      { name: 'NPM_TOKEN', createdAt: old.createdAt, updatedAt: rotatedAt },
      { name: 'CODECOV_TOKEN', ...old },
    ]);
    const later = await waitFor('NPM_TOKEN ticked by GitHub', () => {
      const items = secretItems(harness, post.id);
      return item(items, 'NPM_TOKEN', 'acme/web')?.done ? items : undefined;
    }, 20_000);
    expect(item(later, 'NPM_TOKEN', 'acme/web')).toMatchObject({ done: true, verified: { source: 'GitHub (repository acme/web)' }, evidence: { state: 'verified' } });
    expect(item(later, 'CODECOV_TOKEN', 'acme/web')).toMatchObject({ done: false, evidence: { state: 'not-yet' } });
    expect(item(later, 'NPM_TOKEN', 'acme/api')?.done).toBe(false);
    const incident = await harness.bridge.store.getIncidentByChannel(channelId);
    const timeline = await harness.bridge.store.timeline(incident?.id ?? '');
    expect(timeline.filter((e) => e.kind === 'verify' && /NPM\\_TOKEN \(pipeline config of acme\/web\) verified by GitHub/.test(e.text))).toHaveLength(1);
    // The token went to GitHub only: never into a post or the timeline.
    expect(JSON.stringify(harness.sim.posts())).not.toContain(TOKEN);
    expect(JSON.stringify(timeline)).not.toContain(TOKEN);
  });
});
