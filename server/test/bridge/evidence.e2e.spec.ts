// End to end, through the Mattermost simulator with the REAL exposure engine over a folder of checkouts:
// the checklist ticks itself as the checkouts change — the initial assessment on a complete answer, one
// sub-item per affected repository re-checked by command, button and schedule, secrets manual unless a
// (fake) platform says they were rotated — and a person's override lands in the timeline next to it.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChecklistProps, type ChecklistProps } from '@ci-exposure/contract';
import type { ExposedSecret } from '../../src/incidents/lookup';
import type { EvidencePort, SecretEvidence } from '../../src/incidents/ports';
import { createEngineLookup } from '../../src/mattermost/engine-lookup';
import { makeTempDir } from '../helpers/tmp';
import { startedIncident, startHarness, waitFor, waitForAsync, type Harness } from './harness';

jest.setTimeout(60_000);

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
// No `uses:` in these fixtures: without a component cache every action is unresolved (an incomplete answer).
const FIXED = 'name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n';

function write(root: string, repo: string, path: string, text: string): void {
  const full = join(root, repo, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
}

function checklistOf(h: Harness, postId: string): ChecklistProps | undefined {
  const post = h.sim.posts().find((p) => p.id === postId);
  const parsed = post ? parseChecklistProps(post.props) : undefined;
  return parsed?.ok ? parsed.value : undefined;
}

function milestoneOf(c: ChecklistProps | undefined, id: string): ChecklistProps['milestones'][number] | undefined {
  return c?.milestones.find((m) => m.id === id);
}

function itemOf(c: ChecklistProps | undefined, milestone: string, label: string): NonNullable<ChecklistProps['milestones'][number]['items']>[number] | undefined {
  return milestoneOf(c, milestone)?.items?.find((i) => i.label === label);
}

describe('a checklist that checks itself (simulator, real engine)', () => {
  let h: Harness | undefined;
  let cleanup: (() => void) | undefined;
  let org = '';
  beforeEach(() => {
    const tmp = makeTempDir('cix-evidence-');
    cleanup = tmp.cleanup;
    org = join(tmp.dir, 'org');
    write(org, 'acme/web', '.github/workflows/ci.yml', EXPOSED);
    write(org, 'acme/web', '.github/CODEOWNERS', '*  @acme/everyone\n/.github/workflows/  @acme/ci-team\n');
    write(org, 'acme/api', '.github/workflows/ci.yml', EXPOSED);
    write(org, 'acme/quiet', '.github/workflows/ci.yml', FIXED);
  });
  afterEach(async () => {
    const violations = h?.sim.openapiViolations() ?? [];
    await h?.close();
    h = undefined;
    cleanup?.();
    expect(violations).toEqual([]);
  });

  it('ticks the assessment on a complete answer, re-checks repositories by command and button, and records people overriding it', async () => {
    h = await startHarness({ lookup: createEngineLookup({ scan: { paths: [org] } }), config: { scanPaths: [org] } });
    const harness = h;
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId, post } = await startedIncident(harness, /Codecov/);
    const report = await waitFor('the report post', () => harness.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'));

    // 2. Initial assessment: verified by the lookup, linking the report.
    const first = await waitFor('the assessment ticked by the lookup', () => {
      const c = checklistOf(harness, post.id);
      return milestoneOf(c, 'initial-assessment')?.verified ? c : undefined;
    });
    const assessment = milestoneOf(first, 'initial-assessment');
    expect(assessment).toMatchObject({ done: true, verified: { source: 'exposure lookup', postId: report.id } });
    expect(assessment?.doneBy).toBeUndefined();
    expect(first?.evidence).toMatchObject({ complete: true, incomplete: [], reportPostId: report.id, recheckMinutes: 30 });
    expect(first?.recheckActionId).toBe('recheck');
    // 7. Pipelines hardened: one sub-item per affected repository, with its CODEOWNERS owners.
    expect(milestoneOf(first, 'pipelines-hardened')?.items?.map((i) => [i.label, i.done, i.evidence?.state, i.owners]).sort()).toEqual([
      ['acme/api', false, 'not-yet', undefined],
      ['acme/web', false, 'not-yet', ['@acme/ci-team']],
    ]);
    // 6. Exposed secrets rotated: one per name and where; manual without platform evidence.
    const secrets = milestoneOf(first, 'secrets-rotated')?.items ?? [];
    expect(secrets.map((i) => `${i.label} @ ${i.where ?? ''}`).sort()).toEqual([
      'CODECOV_TOKEN @ pipeline config of acme/api',
      'CODECOV_TOKEN @ pipeline config of acme/web',
      'NPM_TOKEN @ pipeline config of acme/api',
      'NPM_TOKEN @ pipeline config of acme/web',
    ]);
    expect(secrets.every((i) => i.evidence?.state === 'manual' && i.evidence.reason === 'manual (no platform evidence available)')).toBe(true);
    const rendered = harness.sim.posts().find((p) => p.id === post.id);
    expect(rendered?.message).toMatch(/2\. :white_check_mark: Initial assessment: affected pipelines identified \(verified by exposure lookup at \d{4}-\d\d-\d\d \d\d:\d\d UTC · \[report\]\(\/_redirect\/pl\/\w+\)\)/);
    expect(rendered?.message).toContain('manual \\(no platform evidence available\\)');
    expect(JSON.stringify(rendered?.props).length).toBeLessThan(8000);

    // acme/web is fixed: `/ci-exposure recheck` ticks its sub-item, acme/api stays open.
    write(org, 'acme/web', '.github/workflows/ci.yml', FIXED);
    const recheck = await harness.sim.executeCommand('alice', channelId, '/ci-exposure recheck');
    const answer = await waitFor('the re-check answer', () =>
      [String(recheck.ephemeral?.message ?? ''), ...harness.sim.ephemerals(harness.sim.user('alice')?.id).map((e) => String(e.post.message))].find((m) => /Re-check done/.test(m)),
    );
    expect(answer).toMatch(/7\.\d acme\/web verified by re-check: no affected job in the current head/);
    const second = await waitFor('acme/web ticked', () => {
      const c = checklistOf(harness, post.id);
      return itemOf(c, 'pipelines-hardened', 'acme/web')?.done ? c : undefined;
    });
    expect(itemOf(second, 'pipelines-hardened', 'acme/web')).toMatchObject({ verified: { source: 're-check' }, evidence: { state: 'verified' } });
    expect(itemOf(second, 'pipelines-hardened', 'acme/api')).toMatchObject({ done: false, evidence: { state: 'not-yet' } });
    expect(milestoneOf(second, 'pipelines-hardened')).toMatchObject({ done: false, itemsTotal: 2, itemsDone: 1 });
    await waitFor('the re-check notice in the channel', () => harness.sim.posts(channelId).find((p) => /Re-check\*\* by @alice changed the checklist/.test(p.message)));

    // bob does not trust the assessment: his un-tick holds and the timeline has both.
    const uncheck = await harness.sim.executeCommand('bob', channelId, '/ci-exposure uncheck 2');
    expect(String(uncheck.ephemeral?.message)).toMatch(/2\. Initial assessment: affected pipelines identified is not done/);
    const timeline = await harness.sim.executeCommand('bob', channelId, '/ci-exposure timeline');
    const lines = String(timeline.ephemeral?.message);
    expect(lines).toMatch(/2\. Initial assessment: affected pipelines identified verified by exposure lookup: the exposure lookup answered completely/);
    expect(lines).toMatch(/@bob unchecked 2\. Initial assessment: affected pipelines identified \(it was verified by exposure lookup at [^)]+\)/);
    expect(lines).toMatch(/Re-check by @alice: Exposure lookup/);

    // acme/web exposed again, re-checked with the post's button: un-ticked; bob's un-tick still holds.
    write(org, 'acme/web', '.github/workflows/ci.yml', EXPOSED);
    const click = await harness.sim.clickButton('carol', post.id, 'recheck');
    expect(click.status).toBe(403); // carol is not a member of the incident channel
    const clicked = await harness.sim.clickButton('alice', post.id, 'recheck');
    expect(clicked.status).toBe(200);
    expect(String(clicked.body.ephemeral_text ?? clicked.response?.ephemeral_text ?? '')).toMatch(/acme\/web is not done any more: the re-check says not yet: still exposed in \.github\/workflows\/ci\.yml/);
    const third = await waitFor('acme/web un-ticked', () => {
      const c = checklistOf(harness, post.id);
      return itemOf(c, 'pipelines-hardened', 'acme/web')?.done === false ? c : undefined;
    });
    expect(milestoneOf(third, 'initial-assessment')).toMatchObject({ done: false, override: { by: { username: 'bob' } }, evidence: { state: 'verified', source: 're-check' } });

    // A sub-item ticked by hand (`check N.M`), and `status` lists every sub-item.
    const web = milestoneOf(third, 'secrets-rotated')?.items?.findIndex((i) => i.label === 'NPM_TOKEN' && i.where === 'pipeline config of acme/web') ?? -1;
    const checked = await harness.sim.executeCommand('bob', channelId, `/ci-exposure check 6.${web + 1}`);
    expect(String(checked.ephemeral?.message)).toBe(`6.${web + 1} NPM\\_TOKEN (pipeline config of acme/web) is done.`);
    const status = String((await harness.sim.executeCommand('bob', channelId, '/ci-exposure status')).ephemeral?.message);
    expect(status).toContain(`6.${web + 1} NPM\\_TOKEN (pipeline config of acme/web) — done by @bob`);
    expect(status).toMatch(/7\.\d acme\/web — still exposed in \.github\/workflows\/ci\.yml \(re-check/);
    // Owners are GitHub handles, not Mattermost users: named, never mentioned.
    expect(status).toContain('owners @\u200dacme/ci-team');

    // Closing: the final report puts the time to the complete answer next to the people's.
    await harness.sim.executeCommand('alice', channelId, '/ci-exposure close done');
    const final = await waitFor('the final report', () => harness.sim.posts(channelId).find((p) => /Final report/.test(p.message)));
    expect(final.message).toMatch(/- Time to a complete exposure answer: \d+ min \(exposure lookup\)/);
    expect(final.message).toMatch(/- Time to initial assessment: not reached; the checklist allowed people 20 min/);
    expect(checklistOf(harness, post.id)?.recheckActionId).toBeUndefined();
  });

  it('an incomplete answer leaves the assessment open and says why', async () => {
    write(org, 'acme/broken', '.github/workflows/ci.yml', 'name: ci\non: push\njobs:\n  test: [unclosed\n');
    h = await startHarness({ lookup: createEngineLookup({ scan: { paths: [org] } }), config: { scanPaths: [org] } });
    const harness = h;
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId, post } = await startedIncident(harness, /Codecov/);
    const c = await waitFor('the lookup on the checklist', () => {
      const x = checklistOf(harness, post.id);
      return x?.evidence?.lookupAt !== undefined ? x : undefined;
    });
    expect(c.evidence).toMatchObject({ complete: false, incomplete: [expect.stringMatching(/input error/)] });
    expect(milestoneOf(c, 'initial-assessment')).toMatchObject({ done: false, evidence: { state: 'unknown', reason: expect.stringMatching(/^the lookup is incomplete: 1 input error/) } });
    // The affected repositories still get their sub-items (their own part of the answer is complete).
    expect(milestoneOf(c, 'pipelines-hardened')?.items?.map((i) => i.label).sort()).toEqual(['acme/api', 'acme/web']);
    const incident = await harness.bridge.store.getIncidentByChannel(channelId);
    const timeline = await harness.bridge.store.timeline(incident?.id ?? '');
    expect(timeline.find((e) => e.text.startsWith('2. Initial assessment'))).toMatchObject({ kind: 'evidence', text: expect.stringMatching(/left open, the exposure lookup could not tell: the lookup is incomplete: 1 input error/) });
    expect(timeline.some((e) => e.kind === 'verify' && e.text.startsWith('2.'))).toBe(false);
    expect(harness.sim.posts().find((p) => p.id === post.id)?.message).toMatch(/Initial assessment.*— left open: the lookup is incomplete: 1 input error/);
  });

  it('the schedule re-checks on its own; a platform that saw a secret rotated ticks it', async () => {
    const rotated = new Set<string>();
    const asked: Array<{ secret: ExposedSecret; since: number }> = [];
    const evidence: EvidencePort = {
      secretRotatedSince: (secret, since): Promise<SecretEvidence> => {
        asked.push({ secret, since });
        if (secret.where.repo === 'acme/api' && secret.name === 'CODECOV_TOKEN') return Promise.reject(new Error('HTTP 502 from the provider'));
        return Promise.resolve(rotated.has(`${secret.where.repo ?? ''}/${secret.name}`) ? { state: 'verified', source: 'test platform', changedAt: since + 1000 } : { state: 'not-yet', source: 'test platform' });
      },
    };
    h = await startHarness({ lookup: createEngineLookup({ scan: { paths: [org] } }), config: { scanPaths: [org] }, evidence, recheckIntervalMs: 300 });
    const harness = h;
    await harness.sim.executeCommand('alice', harness.townSquare, '/ci-exposure start codecov-bash-uploader-2021');
    const { channelId, post } = await startedIncident(harness, /Codecov/);
    const first = await waitFor('the sub-items', () => {
      const c = checklistOf(harness, post.id);
      return (milestoneOf(c, 'secrets-rotated')?.items?.length ?? 0) === 4 ? c : undefined;
    });
    const started = (await harness.bridge.store.getIncidentByChannel(channelId))?.startedAt ?? 0;
    expect(asked.every((a) => a.since === started)).toBe(true);
    expect(itemOf(first, 'secrets-rotated', 'NPM_TOKEN')?.evidence).toMatchObject({ state: 'not-yet', source: 'test platform', reason: 'not changed since the incident started' });
    const failing = milestoneOf(first, 'secrets-rotated')?.items?.find((i) => i.label === 'CODECOV_TOKEN' && i.where === 'pipeline config of acme/api');
    expect(failing?.evidence).toMatchObject({ state: 'unknown', reason: 'the platform could not be asked: HTTP 502 from the provider' });
    expect(first.evidence?.recheckMinutes).toBe(0.01);

    // Nobody asks: the schedule notices acme/api fixed and NPM_TOKEN of acme/web rotated.
    write(org, 'acme/api', '.github/workflows/ci.yml', FIXED);
    rotated.add('acme/web/NPM_TOKEN');
    const later = await waitFor(
      'the scheduled re-check',
      () => {
        const c = checklistOf(harness, post.id);
        const npm = milestoneOf(c, 'secrets-rotated')?.items?.find((i) => i.label === 'NPM_TOKEN' && i.where === 'pipeline config of acme/web');
        return itemOf(c, 'pipelines-hardened', 'acme/api')?.done && npm?.done ? c : undefined;
      },
      20_000,
    );
    const npm = milestoneOf(later, 'secrets-rotated')?.items?.find((i) => i.label === 'NPM_TOKEN' && i.where === 'pipeline config of acme/web');
    expect(npm).toMatchObject({ done: true, verified: { source: 'test platform' }, evidence: { state: 'verified', reason: expect.stringMatching(/^changed .* UTC, after the incident started$/) } });
    expect(itemOf(later, 'pipelines-hardened', 'acme/api')).toMatchObject({ done: true, verified: { source: 're-check' } });
    const incident = await harness.bridge.store.getIncidentByChannel(channelId);
    const timeline = await waitForAsync('the scheduled entries', async () => {
      const entries = await harness.bridge.store.timeline(incident?.id ?? '');
      return entries.some((e) => e.kind === 'recheck' && /\(scheduled\)/.test(e.text)) ? entries : undefined;
    });
    expect(timeline.filter((e) => e.kind === 'verify').map((e) => e.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^7\.\d acme\/api verified by re-check/), expect.stringMatching(/^6\.\d NPM\\_TOKEN \(pipeline config of acme\/web\) verified by test platform/)]),
    );
    // Removing the checkout: the schedule cannot tell for that repository, and says so once.
    rmSync(join(org, 'acme/api'), { recursive: true });
    await waitForAsync('acme/api not read', async () => {
      const entries = await harness.bridge.store.timeline(incident?.id ?? '');
      return entries.find((e) => /7\.\d acme\/api: left open, the re-check could not tell: acme\/api was not read by this lookup/.test(e.text));
    });
    expect(itemOf(checklistOf(harness, post.id), 'pipelines-hardened', 'acme/api')?.done).toBe(true);
  });
});
