// The simulator's rules (CONTRACTS §1–§3, §7), driven with the real @mattermost/client and a node:http
// server standing in for the bridge.
import {ClientError} from '@mattermost/client';
import {startSimulator, type Channel, type Simulator} from './index';
import {defaultOpenApiDir, validatorFor} from './openapi';
import {client, startIntegration, type FakeIntegration, type TestClient} from './test-support';

// The OpenAPI checks need the spec fragments from ../shared; without them the simulator validates
// nothing, so the violations a test declares cannot be found and are not expected.
const openapi = validatorFor(defaultOpenApiDir()) !== undefined;
if (!openapi) {
  process.stderr.write('behaviour.spec: ../shared/mattermost-contracts/openapi is absent; skipping the OpenAPI checks (1 test skipped, expected violations not asserted)\n');
}
const itWithOpenApi = openapi ? it : it.skip;

interface World {
  sim: Simulator;
  integration: FakeIntegration;
  admin: TestClient;
  alice: TestClient;
  aliceId: string;
  bot: TestClient;
  botId: string;
  teamId: string;
  channel: Channel;
}

async function world(): Promise<World> {
  const sim = await startSimulator();
  const integration = await startIntegration();
  const team = sim.createTeam('sec', 'Security');
  const alice = sim.createUser('alice', {teams: ['sec']});
  sim.createUser('mallory', {teams: ['sec']});
  const bot = sim.createBot('cix', {teams: ['sec']});
  const channel = sim.createChannel('sec', 'inc-1', {creator: 'cix', type: 'P', displayName: 'Incident 1', members: ['alice']});
  const admin = client(sim.url, sim.adminToken);
  await admin.addCommand({team_id: team.id, trigger: 'ci-exposure', method: 'P', url: `${integration.url}/slash`} as never);
  return {
    sim, integration, admin, alice: client(sim.url, alice.token), aliceId: alice.user.id, bot: client(sim.url, bot.token),
    botId: bot.user.id, teamId: team.id, channel,
  };
}

async function failure(p: Promise<unknown>): Promise<ClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ClientError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected the call to fail');
}

const buttons = (url: string, name = 'Done'): Array<Record<string, unknown>> => [
  {text: 'Milestones', actions: [{id: 'toggleA', name, integration: {url, context: {item: 'a', sig: 'x'}}}]},
];

describe('simulator rules', () => {
  let w: World;
  let expectedViolations: string[] = [];

  beforeEach(async () => {
    expectedViolations = [];
    w = await world();
  });

  afterEach(async () => {
    // Every test's traffic is well-formed except the malformed requests it declares.
    const violations = w.sim.openapiViolations();
    await w.sim.close();
    await w.integration.close();
    expect(violations).toEqual(openapi ? expectedViolations : []);
  });

  it('refuses ephemeral posts and command creation to a bot (403 api.context.permissions.app_error)', async () => {
    const e1 = await failure(w.bot.createPostEphemeral(w.aliceId, {channel_id: w.channel.id, message: 'x'} as never));
    expect([e1.status_code, e1.server_error_id]).toEqual([403, 'api.context.permissions.app_error']);
    expect(e1.detailed_error).toContain('permission=create_post_ephemeral');
    const e2 = await failure(w.bot.addCommand({team_id: w.teamId, trigger: 'x1', method: 'P', url: 'http://a.example/x'} as never));
    expect([e2.status_code, e2.server_error_id]).toEqual([403, 'api.context.permissions.app_error']);
    const post = await w.admin.createPostEphemeral(w.aliceId, {channel_id: w.channel.id, message: 'only you'} as never);
    expect(post.type).toBe('system_ephemeral');
    expect(w.sim.ephemerals(w.aliceId).map((e) => e.post.message)).toEqual(['only you']);
  });

  it('validates commands: trigger, url, method, duplicates (case-insensitive and built-ins)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{trigger: '/x'}, 'model.command.is_valid.trigger.app_error'],
      [{trigger: 'a b'}, 'model.command.is_valid.trigger.app_error'],
      [{url: 'ftp://x'}, 'model.command.is_valid.url_http.app_error'],
      [{method: 'X'}, 'model.command.is_valid.method.app_error'],
      [{trigger: 'CI-Exposure'}, 'api.command.duplicate_trigger.app_error'],
      [{trigger: 'join'}, 'api.command.duplicate_trigger.app_error'],
    ];
    for (const [patch, id] of cases) {
      const err = await failure(w.admin.addCommand({team_id: w.teamId, trigger: 'ok1', method: 'P', url: 'http://a.example/x', ...patch} as never));
      expect([err.status_code, err.server_error_id]).toEqual([400, id]);
    }
    const created = await w.admin.addCommand({team_id: w.teamId, trigger: 'Second', method: 'P', url: 'http://a.example/x'} as never);
    expect(created.trigger).toBe('second');
    expect(created.token).toMatch(/^[a-z0-9]{26}$/);
    await w.admin.deleteCommand(created.id);
    expect(w.sim.commands(w.teamId).map((c) => c.trigger)).toEqual(['ci-exposure']);
  });

  it('enforces the 26-character post type and the custom_ prefix', async () => {
    const ok = await w.bot.createPost({channel_id: w.channel.id, message: 'x', type: `custom_${'a'.repeat(19)}`} as never);
    expect(ok.type).toHaveLength(26);
    const long = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x', type: `custom_${'a'.repeat(20)}`} as never));
    expect([long.status_code, long.server_error_id]).toEqual([500, 'app.post.save.app_error']);
    const prefix = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x', type: 'cix_report'} as never));
    expect([prefix.status_code, prefix.server_error_id]).toEqual([400, 'model.post.is_valid.type.app_error']);
    const big = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x', props: {blob: 'y'.repeat(8001)}} as never));
    expect([big.status_code, big.server_error_id]).toEqual([400, 'model.post.is_valid.props.app_error']);
    const msg = await w.bot.createPost({channel_id: w.channel.id, message: 'é'.repeat(16383)} as never);
    expect(msg.message).toHaveLength(16383);
  });

  it('validates channels: duplicate, name rules, lengths, team membership', async () => {
    const dup = await failure(w.bot.createChannel({team_id: w.teamId, name: 'inc-1', display_name: 'x', type: 'P'} as never));
    expect([dup.status_code, dup.server_error_id]).toEqual([400, 'store.sql_channel.save_channel.exists.app_error']);
    expect(dup.detailed_error).toContain(`id=${w.channel.id}`);
    for (const name of ['Inc-2', 'a', '-abc', '_abc', 'a b', 'inc!', 'inc.1']) {
      const err = await failure(w.bot.createChannel({team_id: w.teamId, name, display_name: 'x', type: 'P'} as never));
      expect([name, err.status_code, err.server_error_id]).toEqual([name, 400, 'model.channel.is_valid.2_or_more.app_error']);
    }
    const long = await failure(w.bot.createChannel({team_id: w.teamId, name: 'a'.repeat(65), display_name: 'x', type: 'P'} as never));
    expect(long.server_error_id).toBe('model.channel.is_valid.name.app_error');
    expectedViolations = ['POST /api/v4/channels request: / must have required property \'display_name\''];
    const noDisplay = await failure(w.bot.createChannel({team_id: w.teamId, name: 'inc-2', type: 'P'} as never));
    expect(noDisplay.server_error_id).toBe('model.channel.is_valid.display_name.app_error');
    const purpose = await failure(w.bot.createChannel({team_id: w.teamId, name: 'inc-2', display_name: 'x', type: 'P', purpose: 'p'.repeat(251)} as never));
    expect(purpose.server_error_id).toBe('model.channel.is_valid.purpose.app_error');
    const header = await failure(w.bot.createChannel({team_id: w.teamId, name: 'inc-2', display_name: 'x', type: 'P', header: 'h'.repeat(1025)} as never));
    expect(header.server_error_id).toBe('model.channel.is_valid.header.app_error');
    const lonely = w.sim.createBot('lonely');
    const denied = await failure(client(w.sim.url, lonely.token).createChannel({team_id: w.teamId, name: 'inc-3', display_name: 'x', type: 'P'} as never));
    expect([denied.status_code, denied.server_error_id]).toEqual([403, 'api.context.permissions.app_error']);
    const made = await w.bot.createChannel({team_id: w.teamId, name: 'inc_2-b', display_name: ' Two ', type: 'O'} as never);
    expect(made.display_name).toBe('Two');
    const members = await w.bot.addToChannel(w.aliceId, made.id);
    expect(members.user_id).toBe(w.aliceId);
    const patched = await w.bot.patchChannel(made.id, {header: 'New header'});
    expect(patched.header).toBe('New header');
    expect(w.sim.posts(made.id).map((p) => p.type)).toEqual(['system_join_channel', 'system_add_to_channel', 'system_header_change']);
    const byName = await w.alice.getChannelByName(w.teamId, 'inc-1');
    expect(byName.id).toBe(w.channel.id);
    const hidden = await failure(client(w.sim.url, w.sim.createUser('eve', {teams: ['sec']}).token).getChannelByName(w.teamId, 'inc-1'));
    expect(hidden.status_code).toBe(404);
  });

  it('stores integration but strips it from responses; a patch must resend it (else the connection drops)', async () => {
    const url = `${w.integration.url}/action`;
    const post = await w.bot.createPost({channel_id: w.channel.id, message: 'm', type: 'custom_cix_checklist', props: {attachments: buttons(url)}} as never);
    expect(JSON.stringify(post)).not.toContain('integration');
    expect(w.sim.posts(w.channel.id).at(-1)?.props).toMatchObject({attachments: [{actions: [{integration: {url}}]}]});
    const full = await w.bot.patchPost({id: post.id, message: 'm2', props: {attachments: buttons(url, 'Undo')}} as never);
    expect(full.message).toBe('m2');
    expect(full.edit_at).toBeGreaterThan(0);
    expect(JSON.stringify(full)).not.toContain('integration');
    const seen = await w.bot.getPost(post.id);
    const echo = w.bot.patchPost({id: post.id, message: 'm3', props: seen.props} as never);
    await expect(echo).rejects.toThrow();
    expect(w.sim.requests().at(-1)).toMatchObject({path: `/api/v4/posts/${post.id}/patch`, dropped: true});
    expect(w.sim.posts(w.channel.id).at(-1)?.message).toBe('m2');
  });

  it('pins and unpins; lists pinned and channel posts', async () => {
    const post = await w.bot.createPost({channel_id: w.channel.id, message: 'pin me'} as never);
    await w.bot.pinPost(post.id);
    const pinned = await w.bot.getPinnedPosts(w.channel.id);
    expect(pinned.order).toEqual([post.id]);
    await w.bot.unpinPost(post.id);
    expect((await w.bot.getPinnedPosts(w.channel.id)).order).toEqual([]);
    const list = await w.alice.getPosts(w.channel.id);
    expect(list.order[0]).toBe(post.id);
    const outsider = client(w.sim.url, w.sim.createUser('eve', {teams: ['sec']}).token);
    const err = await failure(outsider.getPost(post.id));
    expect([err.status_code, err.server_error_id]).toEqual([403, 'api.context.permissions.app_error']);
  });

  it('executes a slash command: in_channel → post by the user, ephemeral → only to the user', async () => {
    w.integration.reply = () => ({contentType: 'application/json', body: JSON.stringify({response_type: 'in_channel', text: 'See <https://x.example|the run>', props: {k: 'v'}})});
    const inChannel = await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure   status now');
    expect(inChannel.status).toBe(200);
    expect(inChannel.post).toMatchObject({user_id: w.aliceId, message: 'See [the run](https://x.example)', props: {from_webhook: 'true', k: 'v'}});
    expect(new URLSearchParams(w.integration.received.at(-1)?.body).get('text')).toBe('  status now');
    w.integration.reply = () => ({contentType: 'text/plain', body: 'plain reply'});
    const eph = await w.sim.executeCommand('alice', w.channel.id, '/CI-Exposure help', {rootId: inChannel.post?.id as string});
    expect(eph.ephemeral).toMatchObject({type: 'system_ephemeral', message: 'plain reply', root_id: inChannel.post?.id});
    expect(new URLSearchParams(w.integration.received.at(-1)?.body).get('root_id')).toBe(inChannel.post?.id);
    expect(w.sim.ephemerals(w.aliceId).map((e) => e.post.message)).toEqual(['plain reply']);
    w.integration.reply = () => ({contentType: 'application/json', body: JSON.stringify({response_type: 'ephemeral', text: ''})});
    const empty = await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure');
    expect(empty.ephemeral).toBeUndefined();
    w.integration.reply = () => ({status: 500, body: 'boom'});
    const failed = await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure x');
    expect([failed.status, failed.body.id]).toEqual([500, 'api.command.execute_command.failed_resp.app_error']);
    const unknown = await w.sim.executeCommand('alice', w.channel.id, '/nope x');
    expect([unknown.status, unknown.body.id]).toEqual([404, 'api.command.execute_command.not_found.app_error']);
    const outsider = await w.sim.executeCommand('mallory', w.channel.id, '/ci-exposure x');
    expect([outsider.status, outsider.body.id]).toEqual([403, 'api.context.permissions.app_error']);
    const get = await w.admin.addCommand({team_id: w.teamId, trigger: 'viaget', method: 'G', url: `${w.integration.url}/get?a=1`} as never);
    w.integration.reply = () => ({contentType: 'application/json', body: '{"text":"got"}'});
    const viaGet = await w.sim.executeCommand('alice', w.channel.id, '/viaget q');
    expect(viaGet.ephemeral?.message).toBe('got');
    const received = w.integration.received.at(-1);
    expect([received?.method, received?.body, received?.headers['content-type'], received?.headers.authorization]).toEqual(['GET', '', undefined, `Token ${get.token}`]);
    expect(new URL(received?.path ?? '', 'http://x').searchParams.get('text')).toBe('q');
    expect(received?.path.startsWith('/get?a=1&')).toBe(true);
    const viaRest = await failure(w.alice.executeCommand('/nope', {channel_id: w.channel.id} as never));
    expect([viaRest.status_code, viaRest.server_error_id]).toEqual([404, 'api.command.execute_command.not_found.app_error']);
  });

  it('honours response_url: 5 uses, 30 minutes, replies text/plain ok', async () => {
    w.integration.reply = () => ({contentType: 'application/json', body: '{}'});
    await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure start');
    const responseUrl = new URLSearchParams(w.integration.received.at(-1)?.body).get('response_url') ?? '';
    const path = new URL(responseUrl).pathname;
    // The integration (not a Mattermost client) posts to response_url: plain fetch, as the bridge would.
    const hook = async (p: string, body: unknown): Promise<{status: number; type: string | null; text: string}> => {
      const r = await fetch(`${w.sim.url}${p}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
      return {status: r.status, type: r.headers.get('content-type'), text: await r.text()};
    };
    for (let i = 1; i <= 5; i++) {
      expect(await hook(path, {response_type: 'in_channel', text: `update ${i}`})).toEqual({status: 200, type: 'text/plain', text: 'ok'});
    }
    const sixth = await hook(path, {text: 'six'});
    expect([sixth.status, JSON.parse(sixth.text).id]).toEqual([400, 'app.command_webhook.try_use.invalid']);
    expect(w.sim.posts(w.channel.id).filter((p) => p.message.startsWith('update ')).map((p) => p.user_id)).toEqual(Array(5).fill(w.aliceId));
    await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure start');
    const second = new URL(new URLSearchParams(w.integration.received.at(-1)?.body).get('response_url') ?? '').pathname;
    w.sim.advanceTime(30 * 60 * 1000 + 1000);
    const expired = await hook(second, {text: 'late'});
    expect([expired.status, JSON.parse(expired.text).id]).toEqual([400, 'app.command_webhook.get.expired']);
  });

  it('clicks: alphanumeric ids, membership, integration errors, update and ephemeral_text', async () => {
    const url = `${w.integration.url}/action`;
    const post = await w.bot.createPost({channel_id: w.channel.id, message: 'm', props: {attachments: [
      {actions: [...(buttons(url)[0]?.actions as unknown[]), {id: 'bad_id', name: 'x', integration: {url}},
        {id: 'pick', type: 'select', name: 'Pick', options: [{text: 'A', value: 'a'}], integration: {url, context: {k: 1}}}]},
    ]}} as never);
    const underscore = await failure(w.alice.doPostAction(post.id, 'bad_id'));
    expect([underscore.status_code, underscore.server_error_id]).toEqual([404, 'api.context.404.app_error']);
    const missing = await failure(w.alice.doPostAction(post.id, 'nope'));
    expect([missing.status_code, missing.server_error_id]).toEqual([404, 'api.post.do_action.action_id.app_error']);
    const outsider = await w.sim.clickButton(w.sim.createUser('eve', {teams: ['sec']}).user.username, post.id, 'toggleA');
    expect([outsider.status, outsider.body.id]).toEqual([403, 'api.context.permissions.app_error']);
    w.integration.reply = () => ({status: 500, body: 'no'});
    const broken = await failure(w.alice.doPostAction(post.id, 'toggleA'));
    expect([broken.status_code, broken.server_error_id]).toEqual([400, 'api.post.do_action.action_integration.app_error']);
    w.integration.reply = () => ({body: '{}'});
    await w.alice.doPostAction(post.id, 'pick', 'a');
    expect(JSON.parse(w.integration.received.at(-1)?.body ?? '{}')).toMatchObject({type: 'select', context: {k: 1, selected_option: 'a'}});
    w.integration.reply = () => ({body: JSON.stringify({update: {message: 'done', props: {attachments: buttons(url, 'Undo')}}, ephemeral_text: 'Marked <https://x.example|done>'})});
    const click = await w.sim.clickButton('alice', post.id, 'toggleA');
    expect(click.status).toBe(200);
    expect(click.body).toEqual({status: 'OK', trigger_id: expect.stringMatching(/^[a-z0-9]{26}$/)});
    expect(click.update).toMatchObject({message: 'done', props: {attachments: [{actions: [{id: 'toggleA', name: 'Undo'}]}]}});
    expect(click.ephemeral).toMatchObject({message: 'Marked [done](https://x.example)', user_id: w.aliceId});
    expect(w.integration.received.at(-1)?.headers.authorization).toBeUndefined();
    w.integration.reply = () => ({body: ''});
    await w.alice.doPostAction(post.id, 'toggleA');
    expect(w.sim.posts(w.channel.id).at(-1)?.message).toBe('done');
  });

  it('opens dialogs with a signed, expiring trigger_id and posts submissions', async () => {
    w.integration.reply = () => ({body: '{}'});
    const run = await w.sim.executeCommand('alice', w.channel.id, '/ci-exposure start');
    const triggerId = new URLSearchParams(run.request?.body).get('trigger_id') ?? '';
    const dialog = {callback_id: 'cb', title: 'Start an incident', elements: [{display_name: 'Component', name: 'component', type: 'text'}], state: 's'};
    const anon = client(w.sim.url, '');
    await anon.postJson(`${w.sim.url}/api/v4/actions/dialogs/open`, {trigger_id: triggerId, url: `${w.integration.url}/dialog`, dialog});
    expect(w.sim.dialogsOpened()).toEqual([expect.objectContaining({userId: w.aliceId, problems: []})]);
    expectedViolations = ['POST /api/v4/actions/dialogs/open request: / must have required property \'url\''];
    const noUrl = await failure(anon.postJson(`${w.sim.url}/api/v4/actions/dialogs/open`, {trigger_id: triggerId, dialog}));
    expect(noUrl.status_code).toBe(400);
    const forged = Buffer.from(Buffer.from(triggerId, 'base64').toString('utf8').replace(/:\d+:/, `:${Date.now() + 5}:`)).toString('base64');
    const bad = await failure(anon.postJson(`${w.sim.url}/api/v4/actions/dialogs/open`, {trigger_id: forged, url: 'http://x.example', dialog}));
    expect([bad.status_code, bad.server_error_id]).toEqual([400, 'interactive_message.decode_trigger_id.verify_signature_failed']);
    await anon.postJson(`${w.sim.url}/api/v4/actions/dialogs/open`, {trigger_id: triggerId, url: 'http://x.example', dialog: {...dialog, title: 'A title that is far too long'}});
    expect(w.sim.dialogsOpened()[1]?.problems).toEqual(['title must be 1..24 characters (got 28)']);
    w.sim.advanceTime(31_000);
    const late = await failure(anon.postJson(`${w.sim.url}/api/v4/actions/dialogs/open`, {trigger_id: triggerId, url: 'http://x.example', dialog}));
    expect([late.status_code, late.server_error_id]).toEqual([400, 'interactive_message.decode_trigger_id.expired']);
    w.integration.reply = () => ({body: JSON.stringify({errors: {component: 'unknown'}})});
    const sub = await w.sim.submitDialog('alice', {url: `${w.integration.url}/dialog`, callback_id: 'cb', state: 's', channel_id: w.channel.id, team_id: w.teamId, submission: {component: 'x', notify: true}});
    expect(sub.response).toEqual({errors: {component: 'unknown'}});
    const sent = w.integration.received.at(-1);
    expect(sent?.headers.authorization).toBeUndefined();
    expect(JSON.parse(sent?.body ?? '')).toEqual({type: 'dialog_submission', callback_id: 'cb', state: 's', user_id: w.aliceId, channel_id: w.channel.id, team_id: w.teamId, submission: {component: 'x', notify: true}, cancelled: false});
  });

  it('uploads files (multipart and raw) and serves them', async () => {
    const form = new FormData();
    form.append('channel_id', w.channel.id);
    form.append('client_ids', 'c1');
    form.append('files', new Blob(['# Report\n']), 'report.md');
    const up = await w.bot.uploadFile(form);
    expect(up.client_ids).toEqual(['c1']);
    expect(up.file_infos[0]).toMatchObject({name: 'report.md', extension: 'md', size: 9, mime_type: 'text/markdown; charset=utf-8'});
    const raw = await w.bot.postJson(`${w.sim.url}/api/v4/files?channel_id=${w.channel.id}&filename=data.json`, {a: 1});
    expect(raw).toMatchObject({file_infos: [{name: 'data.json', size: 7}], client_ids: []});
    const fileId = up.file_infos[0]?.id ?? '';
    const post = await w.bot.createPost({channel_id: w.channel.id, message: 'report', file_ids: [fileId]} as never);
    expect(post.metadata.files?.[0]).toMatchObject({id: fileId, post_id: post.id});
    // Client4 only builds the file URL (getFileUrl); a download is a GET with the bearer token.
    const download = await fetch(w.alice.getFileUrl(fileId, 0), {headers: {Authorization: `Bearer ${w.alice.getToken()}`}});
    expect([download.status, download.headers.get('content-type'), await download.text()]).toEqual([200, 'text/markdown; charset=utf-8', '# Report\n']);
    await expect(w.alice.getFileInfosForPost(post.id)).resolves.toEqual([expect.objectContaining({id: fileId, post_id: post.id, channel_id: ''})]);
    const eve = client(w.sim.url, w.sim.createUser('eve', {teams: ['sec']}).token);
    const hidden = await fetch(eve.getFileUrl(fileId, 0), {headers: {Authorization: `Bearer ${eve.getToken()}`}});
    expect(hidden.status).toBe(403);
    const denied = await failure(w.bot.uploadFile((() => {
      const f = new FormData();
      f.append('channel_id', 'nochannel00000000000000000');
      f.append('files', new Blob(['x']), 'x.txt');
      return f;
    })()));
    expect(denied.status_code).toBe(403);
  });

  it('injects 429 with the rate-limit headers and plain-text body, and 5xx faults', async () => {
    w.sim.failNext({method: 'GET', path: /^\/api\/v4\/users\/me$/}, 429, 1, {resetSeconds: 3});
    // What Client4 makes of it: a ClientError without status_code (the body is not JSON) …
    const limited = await failure(w.bot.getMe());
    expect([limited.status_code, limited.server_error_id]).toEqual([undefined, undefined]);
    w.sim.failNext({method: 'GET', path: /^\/api\/v4\/users\/me$/}, 429, 1, {resetSeconds: 3});
    // … and what is on the wire.
    const response = await fetch(`${w.sim.url}/api/v4/users/me`, {headers: {Authorization: `Bearer ${w.bot.getToken()}`}});
    expect(response.status).toBe(429);
    expect(await response.text()).toBe('limit exceeded\n');
    expect(response.headers.get('x-ratelimit-limit')).toBe('101');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(response.headers.get('x-ratelimit-reset')).toBe('3');
    expect(response.headers.get('retry-after')).toBe('3');
    await expect(w.bot.getMe()).resolves.toMatchObject({username: 'cix'});
    w.sim.failNext({path: /\/posts$/}, 500, 2);
    const e1 = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x'} as never));
    const e2 = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x'} as never));
    expect([e1.status_code, e2.status_code]).toEqual([500, 500]);
    w.sim.failNext({path: /\/posts$/}, 503);
    const e503 = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'x'} as never));
    expect(e503.message).toBe('');
    expect(w.sim.requests().at(-1)).toMatchObject({status: 503, injected: true, responseHeaders: {'Content-Type': 'text/html'}});
    await expect(w.bot.createPost({channel_id: w.channel.id, message: 'x'} as never)).resolves.toMatchObject({message: 'x'});
    expect(w.sim.requests().filter((r) => r.injected)).toHaveLength(5);
  });

  it('serves the lookups and lifecycle calls a bridge needs (usernames, team member, thread, files, remove, archive)', async () => {
    await expect(w.admin.disableBot(w.botId)).resolves.toMatchObject({user_id: w.botId, delete_at: expect.any(Number)});
    expect((await failure(w.bot.getMe())).status_code).toBe(401);
    await expect(w.admin.enableBot(w.botId)).resolves.toMatchObject({user_id: w.botId, delete_at: 0});
    await expect(w.admin.getBot(w.botId)).resolves.toMatchObject({username: 'cix'});
    const users = await w.bot.getProfilesByUsernames(['alice', 'nobody', 'mallory']);
    expect(users.map((u) => u.username)).toEqual(['alice', 'mallory']);
    await expect(w.bot.getTeamMember(w.teamId, w.aliceId)).resolves.toMatchObject({team_id: w.teamId, user_id: w.aliceId, roles: 'team_user'});
    const notMember = await failure(w.bot.getTeamMember(w.teamId, w.sim.createUser('outsider').user.id));
    expect(notMember.status_code).toBe(404);
    await expect(w.alice.getMyTeamMembers()).resolves.toEqual([expect.objectContaining({team_id: w.teamId})]);
    const root = await w.bot.createPost({channel_id: w.channel.id, message: 'root'} as never);
    const reply = await w.alice.createPost({channel_id: w.channel.id, message: 'reply', root_id: root.id} as never);
    const thread = await w.bot.getPostThread(reply.id);
    expect(thread.order.sort()).toEqual([root.id, reply.id].sort());
    expect((await w.bot.getPost(root.id)).reply_count).toBe(1);
    const replaced = await w.bot.updatePost({...root, message: 'root v2'});
    expect(replaced.message).toBe('root v2');
    await w.bot.removeFromChannel(w.aliceId, w.channel.id);
    expect(w.sim.members(w.channel.id)).toEqual([w.botId]);
    const gone = await failure(w.alice.getPost(root.id));
    expect(gone.status_code).toBe(403);
    await w.bot.deleteChannel(w.channel.id);
    expect(w.sim.channel(w.channel.id)?.delete_at).toBeGreaterThan(0);
    const archived = await failure(w.bot.createPost({channel_id: w.channel.id, message: 'late'} as never));
    expect([archived.status_code, archived.server_error_id]).toEqual([400, 'api.post.create_post.can_not_post_to_deleted.error']);
    expect(w.sim.posts(w.channel.id).map((p) => p.type).filter((t) => t.startsWith('system_'))).toEqual([
      'system_join_channel', 'system_add_to_channel', 'system_remove_from_channel', 'system_channel_deleted',
    ]);
  });

  it('refuses loopback integrations unless AllowedUntrustedInternalConnections lists them', async () => {
    const strict = await startSimulator({allowedUntrustedInternalConnections: []});
    try {
      const team = strict.createTeam('t');
      strict.createUser('bob', {teams: ['t']});
      const channel = strict.createChannel('t', 'c1', {creator: 'bob'});
      await client(strict.url, strict.adminToken).addCommand({team_id: team.id, trigger: 'x', method: 'P', url: `${w.integration.url}/slash`} as never);
      const run = await strict.executeCommand('bob', channel.id, '/x');
      expect([run.status, run.body.id, run.body.detailed_error]).toEqual([500, 'api.command.execute_command.failed.app_error', expect.stringContaining('AllowedUntrustedInternalConnections')]);
      expect(w.integration.received).toEqual([]);
      expect(strict.openapiViolations()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('answers 401 exactly as recorded for a bad token', async () => {
    const err = await failure(client(w.sim.url, 'bad').getMe());
    expect([err.status_code, err.server_error_id, err.message]).toEqual([401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.']);
    expect(err.detailed_error).toBe('token=bad'); // the server echoes it …
    expect(w.sim.requests().at(-1)?.responseBody).toMatchObject({detailed_error: 'token=<redacted>'}); // … the record does not
    const created = await w.admin.addCommand({team_id: w.teamId, trigger: 'tok', method: 'P', url: 'http://a.example/x'} as never);
    expect(created.token).toMatch(/^[a-z0-9]{26}$/);
    expect(w.sim.requests().at(-1)?.responseBody).toMatchObject({token: '<redacted-26-char-token>'});
    expect(JSON.stringify(w.sim.requests())).not.toContain(created.token);
  });

  itWithOpenApi('flags a malformed request against the OpenAPI spec and stays clean for well-formed traffic', async () => {
    await w.bot.createPost({channel_id: w.channel.id, message: 'fine'} as never);
    await w.bot.getMe();
    expect(w.sim.openapiViolations()).toEqual([]);
    await failure(w.bot.createPost({channel_id: w.channel.id, message: 42} as never));
    expectedViolations = ['POST /api/v4/posts request: /message must be string'];
    expect(w.sim.openapiViolations()).toEqual(expectedViolations);
  });
});
