// End-to-end: the bridge driven only through the Mattermost simulator (slash commands, clicks, dialogs
// sent exactly as Mattermost 5.37 sends them), plus direct forged requests to the bridge's endpoints.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseChecklistProps, parseReportProps } from '@ci-exposure/contract';
import { runBridgeCli } from '../../src/cli';
import { loadConfig } from '../../src/config';
import { runSetup, setupFromCli } from '../../src/setup-command';
import { fakeLookup, startedIncident, startHarness, waitFor, waitForAsync, type Harness } from './harness';

jest.setTimeout(30_000);

const START = '/ci-exposure start codecov-bash-uploader-2021 Codecov @channel [leak](http://evil.example)';

function cixOf(props: unknown): ReturnType<typeof parseChecklistProps> {
  return parseChecklistProps(props);
}

function actionsOf(post: { props: Record<string, unknown> }): Array<Record<string, unknown>> {
  const attachments = post.props.attachments;
  if (!Array.isArray(attachments)) return [];
  return attachments.flatMap((a: unknown) => {
    const actions = (a as { actions?: unknown }).actions;
    return Array.isArray(actions) ? (actions as Array<Record<string, unknown>>) : [];
  });
}

describe('bridge end to end (simulator)', () => {
  let h: Harness;
  afterEach(async () => {
    // Every REST call the bridge made matched the Mattermost OpenAPI description.
    const violations = h?.sim.openapiViolations() ?? [];
    await h?.close();
    expect(violations).toEqual([]);
  });

  it('setup registers the command with the admin token, stores tokens 0600, and a second run changes nothing', async () => {
    h = await startHarness();
    const commands = h.sim.commands(h.teamId);
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ trigger: 'ci-exposure', method: 'P', url: `${h.bridge.url}/slash`, auto_complete: true });
    expect(commands[0]?.auto_complete_hint).toMatch(/start/);
    expect(h.sim.user('ci-exposure')?.is_bot).toBe(true);
    expect(statSync(join(h.dataDir, 'ci-exposure.db')).mode & 0o777).toBe(0o600);
    // With its bot token the bridge is ready.
    const ready = await fetch(`${h.bridge.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });

    const before = h.sim.requests().length;
    const lines = await runSetup({ siteUrl: h.sim.url, adminToken: h.sim.adminToken, publicUrl: h.bridge.url, teams: ['sec'], dataDir: h.dataDir });
    const writes = h.sim.requests().slice(before).filter((r) => r.method !== 'GET');
    expect(writes).toEqual([]);
    expect(lines.join('\n')).toMatch(/unchanged/);
    expect(lines.join('\n')).not.toContain(h.sim.adminToken);

    // A moved bridge: the command is repaired, not duplicated.
    const repaired = await runSetup({ siteUrl: h.sim.url, adminToken: h.sim.adminToken, publicUrl: 'http://10.0.0.9:9999', teams: ['sec'], dataDir: h.dataDir });
    expect(repaired.join('\n')).toMatch(/updated/);
    expect(h.sim.commands(h.teamId)).toHaveLength(1);
    expect(h.sim.commands(h.teamId)[0]?.url).toBe('http://10.0.0.9:9999/slash');
    expect(h.sim.openapiViolations()).toEqual([]);
  });

  it('start: private channel, members, pinned checklist with buttons and typed props, report with files, answered before the lookup ends', async () => {
    h = await startHarness({ lookup: fakeLookup({ delayMs: 1500 }), config: { stakeholderChannel: 'sec/stakeholders' } });
    const run = await h.sim.executeCommand('alice', h.townSquare, START);
    expect(run.status).toBe(200);
    // Answered before the lookup (1.5 s) is done: no report yet anywhere (Mattermost waits 3 s at most).
    expect(h.sim.posts().filter((p) => p.type === 'custom_cix_report')).toEqual([]);
    expect(run.ephemeral).toBeDefined();

    const { channelId, post } = await startedIncident(h, /Codecov/);
    const channel = h.sim.channel(channelId);
    expect(channel?.type).toBe('P');
    expect(channel?.name).toMatch(/^inc-\d{8}-codecov-channel-leak-http-evil-example$/);
    expect(channel?.header).toMatch(/codecov-bash-uploader-2021/);
    const members = h.sim.members(channelId).map((id) => h.sim.user(id)?.username);
    expect(members).toEqual(expect.arrayContaining(['alice', 'bob', 'ci-exposure']));
    expect(members).not.toContain('carol');

    expect(post.type).toBe('custom_cix_checklist');
    expect(post.message).not.toMatch(/@channel|\]\(http/);
    const props = cixOf(post.props);
    expect(props.ok).toBe(true);
    const actions = actionsOf(post);
    expect(actions.length).toBeGreaterThanOrEqual(8);
    for (const a of actions) {
      expect(a.id).toMatch(/^[A-Za-z0-9]+$/);
      expect(a.integration).toMatchObject({ url: `${h.bridge.url}/actions`, context: { sig: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    }

    // The lookup finishes later: the report post with both files, and the checklist gets the summary.
    const report = await waitFor('the report post', () => h.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'));
    expect(report.file_ids).toHaveLength(2);
    const rp = parseReportProps(report.props);
    expect(rp.ok && rp.value.incidentId).toBeTruthy();
    expect(report.message).not.toMatch(/@channel|\]\(http/);
    await waitFor('exposure in the checklist', () => {
      const p = h.sim.posts(channelId).find((x) => x.id === post.id);
      const c = p && cixOf(p.props);
      return c && c.ok && c.value.exposure?.affected === 1;
    });
    await waitFor('the stakeholder start message', () => h.sim.posts(h.sim.channel('stakeholders')?.id).find((p) => /started by @alice/.test(p.message)));

    // Same name again: a suffix, not a failure.
    await h.sim.executeCommand('alice', h.townSquare, START);
    await waitFor('a second channel with a suffix', () => h.sim.channel('inc-' + channel?.name.slice(4) + '-2'));
    expect(h.sim.ephemerals().some((e) => /cannot|Could not/i.test(String(e.post.message)))).toBe(false);
    expect(h.sim.openapiViolations()).toEqual([]);
  });

  it('50 concurrent clicks on one post: nothing lost, a button sets its state (twice is a no-op), the post ends in the stored state', async () => {
    h = await startHarness();
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    h.sim.addToChannel(channelId, 'carol');
    const users = ['alice', 'bob', 'carol'];
    // Everybody looks at the same rendering (as people do): 50 clicks on "Done 1" … "Done 7", each button
    // clicked by several people at once — the first click of each sets it, the others change nothing.
    const all = actionsOf(post).map((a) => (a.integration as { context: Record<string, unknown> }).context);
    // The last button re-checks the evidence; the others set their milestone.
    expect(all.at(-1)?.op).toBe('recheck');
    const contexts = all.slice(0, -1);
    expect(contexts.map((c) => c.op)).toEqual(contexts.map(() => 'check'));
    const clicks = Array.from({ length: 50 }, (_, i) => ({ user: users[i % 3] ?? 'alice', context: contexts[i % 7] }));
    const results = await Promise.all(
      clicks.map((c) =>
        fetch(`${h.bridge.url}/actions`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ user_id: h.sim.user(c.user)?.id, user_name: c.user, channel_id: channelId, post_id: post.id, context: c.context }),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(clicks.map(() => 200));

    const stored = await h.bridge.store.getIncidentByChannel(channelId);
    expect(stored?.milestones.map((m) => m.done)).toEqual(stored?.milestones.map((m) => m.position <= 7));
    expect((await h.bridge.store.timeline(stored?.id ?? '')).filter((e) => e.kind === 'check' || e.kind === 'uncheck')).toHaveLength(7);

    // The same click again (a retry after an error shown by Mattermost): a no-op that says so.
    const again = await fetch(`${h.bridge.url}/actions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: h.sim.user('alice')?.id, user_name: 'alice', channel_id: channelId, post_id: post.id, context: contexts[0] }),
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { ephemeral_text?: string }).ephemeral_text).toMatch(/^Already done: 1\. /);
    expect((await h.bridge.store.getIncidentByChannel(channelId))?.milestones[0]?.done).toBe(true);

    // The post ends in the stored state (clicks are answered once their patch is out, or after 5 s).
    const want = JSON.stringify(stored?.milestones.map((m) => m.done));
    const final = await waitFor('the post in the stored state', () => {
      const p = h.sim.posts(channelId).find((x) => x.id === post.id);
      const c = p && cixOf(p.props);
      return c && c.ok && JSON.stringify(c.value.milestones.map((m) => m.done)) === want ? p : undefined;
    });
    // Every patch resent every action with its integration (the simulator drops the connection otherwise).
    expect(h.sim.requests().filter((r) => r.dropped)).toEqual([]);
    expect(actionsOf(final).every((a) => a.integration !== undefined)).toBe(true);
  });

  it('refuses a forged slash token (401, not logged) and a forged or replayed click context', async () => {
    h = await startHarness();
    const form = new URLSearchParams({ token: 'forgedtoken0000000000000000', team_id: h.teamId, channel_id: h.townSquare, user_id: 'x', user_name: 'mallory', command: '/ci-exposure', text: 'list' });
    const slash = await fetch(`${h.bridge.url}/slash`, { method: 'POST', body: form, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(slash.status).toBe(401);
    const headerOnly = await fetch(`${h.bridge.url}/slash`, {
      method: 'POST',
      body: new URLSearchParams({ team_id: h.teamId, channel_id: h.townSquare, user_id: 'x', user_name: 'm', command: '/ci-exposure', text: 'list' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Token forgedtoken0000000000000000' },
    });
    expect(headerOnly.status).toBe(401);
    const malformed = await fetch(`${h.bridge.url}/slash`, { method: 'POST', body: 'text=list', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toMatch(/team_id/);

    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    const action = actionsOf(post)[0];
    const context = (action?.integration as { context: Record<string, unknown> }).context;
    const alice = h.sim.user('alice');
    const carol = h.sim.user('carol');
    const click = (userId: string, ctx: unknown): Promise<Response> =>
      fetch(`${h.bridge.url}/actions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: userId, user_name: 'x', channel_id: channelId, post_id: post.id, context: ctx }),
      });
    const forged = await click(alice?.id ?? '', { ...context, milestone: 'secrets-rotated' });
    expect(forged.status).toBe(403);
    // A toggle-era (version 1) context, and a context whose target state was changed, are refused too.
    expect((await click(alice?.id ?? '', { v: 1, incident: context.incident, milestone: context.milestone, op: 'toggle', sig: context.sig })).status).toBe(403);
    expect((await click(alice?.id ?? '', { ...context, op: 'uncheck' })).status).toBe(403);
    // A valid context replayed on another post, or from another channel: refused, nothing changes.
    const elsewhere = (body: Record<string, unknown>): Promise<Response> =>
      fetch(`${h.bridge.url}/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user_id: alice?.id, user_name: 'alice', context, ...body }) });
    const otherPost = await elsewhere({ channel_id: channelId, post_id: 'otherpost00000000000000000' });
    expect(otherPost.status).toBe(403);
    expect(((await otherPost.json()) as { message: string }).message).toBe('the action context belongs to another post or channel');
    expect((await elsewhere({ channel_id: h.townSquare, post_id: post.id })).status).toBe(403);
    const noContext = await click(alice?.id ?? '', undefined);
    expect(noContext.status).toBe(403);
    // A valid context, but the user is not a member of the incident channel.
    const outsider = await click(carol?.id ?? '', context);
    expect(outsider.status).toBe(200);
    expect(((await outsider.json()) as { ephemeral_text?: string }).ephemeral_text).toMatch(/members of the incident channel/);
    const incident = await h.bridge.store.getIncidentByChannel(channelId);
    expect(incident?.milestones.every((m) => !m.done)).toBe(true);
    const badJson = await fetch(`${h.bridge.url}/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"nope":1}' });
    expect(badJson.status).toBe(400);
  });

  it('commands: help, usage for unknown input, status, check, assign, owner, update, timeline, list', async () => {
    h = await startHarness({ config: { stakeholderChannel: 'sec/stakeholders' } });
    const say = async (user: string, channel: string, line: string): Promise<string> => {
      const run = await h.sim.executeCommand(user, channel, line);
      expect(run.status).toBe(200);
      return String(run.ephemeral?.message ?? '');
    };
    expect(await say('alice', h.townSquare, '/ci-exposure help')).toMatch(/check N/);
    expect(await say('alice', h.townSquare, '/ci-exposure frobnicate')).toMatch(/unknown command[\s\S]*start/);
    expect(await say('alice', h.townSquare, '/ci-exposure status')).toMatch(/not an incident channel/);
    expect(await say('alice', h.townSquare, '/ci-exposure start nope-nope')).toMatch(/unknown incident/);
    await say('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    expect(await say('alice', channelId, '/ci-exposure check 2')).toMatch(/is done/);
    expect(await say('alice', channelId, '/ci-exposure check 99')).toMatch(/no item 99/);
    expect(await say('alice', channelId, '/ci-exposure assign 3 @bob')).toMatch(/assigned to @bob/);
    expect(await say('alice', channelId, '/ci-exposure assign 3 @carol')).toMatch(/not a member/);
    expect(await say('alice', channelId, '/ci-exposure owner @bob')).toMatch(/@bob is the owner/);
    expect(await say('bob', channelId, '/ci-exposure update rotating keys @all <script>')).toMatch(/posted/);
    expect(await say('alice', channelId, '/ci-exposure status')).toMatch(/checklist 1\//);
    const timeline = await say('alice', channelId, '/ci-exposure timeline');
    expect(timeline).toMatch(/started[\s\S]*checked 2\.[\s\S]*assigned[\s\S]*owner[\s\S]*status update/);
    expect(timeline).not.toMatch(/@all|<script>/);
    expect(await say('alice', h.townSquare, '/ci-exposure list')).toMatch(/inc-\d{8}-codecov/);
    expect(await say('carol', h.townSquare, '/ci-exposure list')).toMatch(/No open incidents/);

    const checklist = h.sim.posts(channelId).find((p) => p.id === post.id);
    const props = checklist && cixOf(checklist.props);
    expect(props?.ok && props.value.milestones[2]?.assignee?.username).toBe('bob');
    expect(props?.ok && props.value.owner?.username).toBe('bob');
    expect(props?.ok && props.value.lastUpdate?.text).toBe('rotating keys @all <script>');
    await waitFor('the update in the channel and for stakeholders', () =>
      h.sim.posts(channelId).some((p) => /Status update/.test(p.message)) &&
      h.sim.posts(h.sim.channel('stakeholders')?.id).some((p) => /status update by @bob/.test(p.message)),
    );
  });

  it('close posts the final report with metrics and a file, tells stakeholders, and counts in /metrics', async () => {
    h = await startHarness({ config: { stakeholderChannel: 'sec/stakeholders' } });
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    await h.sim.clickButton('bob', post.id, 'item2');
    const run = await h.sim.executeCommand('alice', channelId, '/ci-exposure close keys rotated, @here all good');
    expect(String(run.ephemeral?.message)).toMatch(/closed/);
    const final = await waitFor('the final report', () => h.sim.posts(channelId).find((p) => /Final report/.test(p.message)));
    expect(final.message).toMatch(/Time to initial assessment: \d+ min/);
    expect(final.message).toMatch(/Time to close:/);
    expect(final.message).toMatch(/Milestones on time: 1\/2/);
    expect(final.message).not.toMatch(/@here/);
    expect(final.file_ids).toHaveLength(1);
    const checklist = h.sim.posts(channelId).find((p) => p.id === post.id);
    const props = checklist && cixOf(checklist.props);
    expect(props?.ok && props.value.status).toBe('closed');
    expect(actionsOf(checklist ?? { props: {} })).toEqual([]);
    await waitFor('stakeholders told', () => h.sim.posts(h.sim.channel('stakeholders')?.id).some((p) => /was closed by @alice/.test(p.message)));
    expect(String((await h.sim.executeCommand('alice', channelId, '/ci-exposure check 1')).ephemeral?.message)).toMatch(/closed/);
    const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/cix_incidents_total\{event="closed"\} 1/);
    expect(metrics).toMatch(/cix_button_clicks_total\{result="ok"\} 1/);
    expect(metrics).toMatch(/cix_incidents_open 0/);
  });

  it('an overdue milestone notifies once, also when the send failed and the bridge restarted', async () => {
    // The bridge's clock runs with real time plus an offset the test moves forward.
    let offset = 0;
    const clock = (): number => Date.now() + offset;
    h = await startHarness({ clock });
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId } = await startedIncident(h, /Codecov/);
    const alice = h.sim.user('alice');
    const dms = (): number =>
      h.sim.posts().filter((p) => h.sim.channel(p.channel_id)?.type === 'D' && /Milestone overdue/.test(p.message) && h.sim.members(p.channel_id).includes(alice?.id ?? '')).length;
    const notices = (): number => h.sim.posts(channelId).filter((p) => /Milestone overdue/.test(p.message)).length;

    // Mattermost fails every post for a while: the notice is decided, stored, and not yet sent.
    h.sim.failNext({ method: 'POST', path: /^\/api\/v4\/posts$/ }, 503, 8);
    offset += 21 * 60_000;
    await waitForAsync('the overdue decision', async () => (await h.bridge.store.getIncidentByChannel(channelId))?.milestones.find((m) => m.id === 'initial-assessment')?.notifiedAt);
    await h.restart({ clock });
    await waitFor('one DM and one channel notice', () => dms() === 1 && notices() === 1);
    await h.restart({ clock });
    offset += 60_000;
    await new Promise((r) => setTimeout(r, 300));
    expect(dms()).toBe(1);
    expect(notices()).toBe(1);
    const checklist = h.sim.posts(channelId).find((p) => p.type === 'custom_cix_checklist');
    expect(checklist?.message).toMatch(/overdue/);
  });

  it('a 429 with X-Ratelimit-Reset is retried; the click still lands', async () => {
    h = await startHarness();
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    h.sim.failNext({ method: 'PUT', path: /\/patch$/ }, 429, 2, { resetSeconds: 0 });
    const click = await h.sim.clickButton('alice', post.id, 'item1');
    expect(click.status).toBe(200);
    const p = h.sim.posts(channelId).find((x) => x.id === post.id);
    const props = p && cixOf(p.props);
    expect(props?.ok && props.value.milestones[0]?.done).toBe(true);
    const metrics = await (await fetch(`${h.bridge.url}/metrics`)).text();
    expect(metrics).toMatch(/cix_mattermost_retries_total 2/);
  });

  it('only the configured users may start an incident', async () => {
    h = await startHarness({ config: { startUsers: ['alice'] } });
    const refused = await h.sim.executeCommand('bob', h.townSquare, START);
    expect(String(refused.ephemeral?.message)).toMatch(/not allowed to start/);
    await h.sim.executeCommand('alice', h.townSquare, START);
    await startedIncident(h, /Codecov/);
    expect(h.sim.posts().filter((p) => p.type === 'custom_cix_checklist')).toHaveLength(1);
  });

  it('members of a configured team may start an incident; others may not', async () => {
    h = await startHarness({ config: { startTeams: ['responders'] } });
    const refused = await h.sim.executeCommand('alice', h.townSquare, START);
    expect(String(refused.ephemeral?.message)).toMatch(/not allowed to start/);
    const run = await h.sim.executeCommand('rita', h.townSquare, START);
    expect(String(run.ephemeral?.message)).toMatch(/started in ~inc-/);
  });

  it('`ci-exposure setup` from the command line: writes a missing configuration file from its flags, then uses it; no token printed; usage errors exit 2', async () => {
    h = await startHarness();
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) };
    const cfg = join(h.dataDir, '..', 'cfg.yaml');
    // No file and no --site-url: nothing to write it from, nothing done.
    const noSite = await runBridgeCli(['setup', '--admin-token', h.sim.adminToken, '--public-url', h.bridge.url, '--team', 'sec', '--config', cfg], io);
    expect([noSite, err, existsSync(cfg)]).toEqual([2, 'ci-exposure: setup: --site-url URL is required\n', false]);
    err = '';
    const code = await runBridgeCli(['setup', '--site-url', h.sim.url, '--admin-token', h.sim.adminToken, '--public-url', h.bridge.url, '--team', 'sec', '--data-dir', h.dataDir, '--config', cfg], io);
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe(
      [
        'bot @ci-exposure: unchanged',
        'bot token: unchanged',
        'team sec: bot already a member',
        'team sec: /ci-exposure unchanged',
        `configuration file ${cfg}: written (mattermost.siteUrl, mattermost.teams, publicUrl, dataDir)`,
        '',
      ].join('\n'),
    );
    const written = readFileSync(cfg, 'utf8');
    expect(written).toBe(
      [
        '# CI Exposure bridge configuration, written by `ci-exposure setup` from its flags.',
        '# Every setting is described in the README ("Configuration"). Tokens are not kept here:',
        "# the bot token is in the bridge's store.",
        '',
        'mattermost:',
        `  siteUrl: ${h.sim.url}`,
        '  teams:',
        '    - sec',
        `publicUrl: ${h.bridge.url}`,
        `dataDir: ${h.dataDir}`,
        '',
      ].join('\n'),
    );
    expect(loadConfig({ file: cfg, env: {} }).config).toMatchObject({ mattermost: { siteUrl: h.sim.url, teams: ['sec'] }, publicUrl: h.bridge.url, dataDir: h.dataDir });

    // The file exists now: the next run takes everything but the admin token from it and leaves it alone.
    out = '';
    const ok = await runBridgeCli(['setup', '--admin-token', h.sim.adminToken, '--config', cfg], io);
    expect([ok, err]).toEqual([0, '']);
    expect(out).toBe(['bot @ci-exposure: unchanged', 'bot token: unchanged', 'team sec: bot already a member', 'team sec: /ci-exposure unchanged', ''].join('\n'));
    expect(readFileSync(cfg, 'utf8')).toBe(written);
    const missing = await runBridgeCli(['setup', '--site-url', h.sim.url, '--public-url', h.bridge.url, '--team', 'sec', '--config', cfg], io);
    expect(missing).toBe(2);
    expect(err).toMatch(/--admin-token TOKEN is required/);

    // Without --config: ./ci-exposure.yaml of the working folder.
    const cwd = join(h.dataDir, '..');
    const lines = await setupFromCli({ siteUrl: h.sim.url, adminToken: h.sim.adminToken, publicUrl: h.bridge.url, team: ['sec'] }, cwd, { CIX_DATA_DIR: h.dataDir });
    expect(lines.at(-1)).toBe('configuration file ./ci-exposure.yaml: written (mattermost.siteUrl, mattermost.teams, publicUrl)');
    expect(loadConfig({ cwd, env: {} }).config).toMatchObject({ mattermost: { siteUrl: h.sim.url, teams: ['sec'] }, publicUrl: h.bridge.url, dataDir: 'data' });
  });

  it('when Mattermost keeps failing, the caller is told and the half-started incident is closed', async () => {
    h = await startHarness();
    h.sim.failNext({ method: 'POST', path: /^\/api\/v4\/channels$/ }, 500, 10);
    const run = await h.sim.executeCommand('alice', h.townSquare, START);
    expect(String(run.ephemeral?.message)).toMatch(/Could not start the incident: Mattermost answered HTTP 500/);
    expect(await h.bridge.store.listIncidents('starting')).toEqual([]);
    expect((await h.bridge.store.listIncidents('closed'))[0]?.closeSummary).toMatch(/start failed/);
    expect(String((await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure list')).ephemeral?.message)).toMatch(/No open incidents/);
  });

  it('a click while Mattermost keeps failing tells the clicker and changes nothing', async () => {
    h = await startHarness();
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId, post } = await startedIncident(h, /Codecov/);
    h.sim.failNext({ method: 'GET', path: /^\/api\/v4\/channels\/[a-z0-9]+\/members\/[a-z0-9]+$/ }, 503, 10);
    const click = await h.sim.clickButton('alice', post.id, 'item1');
    expect(click.status).toBe(200);
    expect(String(click.ephemeral?.message)).toMatch(/could not be updated/);
    expect((await h.bridge.store.getIncidentByChannel(channelId))?.milestones[0]?.done).toBe(false);
  });

  it('a failed lookup is reported in the channel, not dropped', async () => {
    h = await startHarness({ lookup: fakeLookup({ fail: true }) });
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId } = await startedIncident(h, /Codecov/);
    await waitFor('the failure notice', () => h.sim.posts(channelId).find((p) => /exposure lookup failed: checkouts folder missing/.test(p.message)));
  });

  it('start without arguments opens a dialog; its submission starts the incident; a forged state is refused', async () => {
    h = await startHarness();
    const run = await h.sim.executeCommand('alice', h.townSquare, '/ci-exposure start');
    expect(run.status).toBe(200);
    const opened = await waitFor('the dialog', () => h.sim.dialogsOpened()[0]);
    expect(opened.url).toBe(`${h.bridge.url}/dialogs`);
    const state = String(opened.dialog.state ?? (opened.dialog.dialog as Record<string, unknown> | undefined)?.state ?? '');
    const forged = await h.sim.submitDialog('alice', { url: opened.url, callback_id: 'start', state: state.replace(/"sig":"(.)/, (_m, c: string) => `"sig":"${c === '0' ? '1' : '0'}`), channel_id: h.townSquare, team_id: h.teamId, submission: { indicator: 'codecov-bash-uploader-2021' } });
    expect(forged.status).not.toBe(200);
    const empty = await h.sim.submitDialog('alice', { url: opened.url, callback_id: 'start', state, channel_id: h.townSquare, team_id: h.teamId, submission: { severity: 'low' } });
    expect(empty.response?.errors).toBeDefined();
    const ok = await h.sim.submitDialog('alice', {
      url: opened.url,
      callback_id: 'start',
      state,
      channel_id: h.townSquare,
      team_id: h.teamId,
      submission: { indicator: 'codecov-bash-uploader-2021', name: 'From the dialog', severity: 'critical' },
    });
    expect(ok.status).toBe(200);
    const { post } = await startedIncident(h, /From the dialog/);
    const props = cixOf(post.props);
    expect(props.ok && props.value.severity).toBe('critical');
  });
});
