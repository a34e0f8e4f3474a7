/**
 * Mattermost 5.37 simulator for the bridge's tests: real HTTP + WebSocket on 127.0.0.1 following
 * shared/mattermost-contracts (CONTRACTS.md; §7 and the recordings win).
 *
 * Usage:
 *   const sim = await startSimulator();                 // sim.url = site URL, sim.adminToken = admin PAT
 *   sim.createTeam('sec');                               // the admin is a member
 *   const alice = sim.createUser('alice', {teams: ['sec']});          // {user, token}
 *   const bot = sim.createBot('cix', {teams: ['sec']});               // {user, bot, token} (or over REST)
 *   const ch = sim.createChannel('sec', 'town-square', {creator: 'alice', members: ['cix']});
 *   // The bridge talks to sim.url with @mattermost/client (Bearer token), registers its slash command
 *   // with the ADMIN token (a bot gets 403), creates channels/posts as the bot, listens on the WebSocket
 *   // (ws://…/api/v4/websocket; authentication_challenge or Authorization header).
 *   const run = await sim.executeCommand('alice', ch.id, '/ci-exposure start codecov');
 *   //   → POSTs the exact 5.37 form (Authorization: Token, User-Agent Mattermost-Bot/1.1, signed trigger_id,
 *   //     response_url <url>/hooks/commands/<id>) and applies the CommandResponse:
 *   //     run.status, run.body (what the client gets), run.request, run.response, run.post | run.ephemeral
 *   const click = await sim.clickButton('alice', postId, 'toggleA', {selectedOption?});
 *   //   → POSTs the 5.37 action JSON (no Authorization), applies `update` and `ephemeral_text`
 *   await sim.submitDialog('alice', {url, callback_id, state, channel_id, team_id, submission});
 *   sim.posts(channelId)     // stored posts (integration kept), oldest first. Includes the system posts the
 *                            // server makes (system_join_channel, system_add_to_channel, header/purpose changes,
 *                            // removals, archive): filter on `type` if you only want yours.
 *   sim.postAsSeen(postId)   // what clients see (integration stripped, 5.37 attachment shape, metadata)
 *   sim.ephemerals(userId) · sim.dialogsOpened() (with `problems` of invalid dialogs) · sim.commands(teamId)
 *   sim.members(channelId) · sim.channel(idOrName) · sim.user(idOrUsername)
 *   sim.requests() (every REST call, tokens redacted) · sim.integrationRequests() · sim.wsEvents(userId)
 *   sim.failNext({method: 'POST', path: /^\/api\/v4\/posts$/}, 429 | 500 | 502 | 503, times, {resetSeconds})
 *   sim.advanceTime(31_000)  // expire trigger_ids (30 s) / response_urls (30 min)
 *   expect(sim.openapiViolations()).toEqual([]);          // every request and response checked against the spec
 *   await sim.close();
 *
 * 5.37 behaviours reproduced on purpose: post type > 26 chars → 500 app.post.save.app_error; custom types
 * need the `custom_` prefix; props > 8000 runes → 400; message > 16383 runes → 400; bot → 403 on POST
 * /posts/ephemeral and POST /commands; a bot must be on the team to create channels; a patch that drops
 * `integration` from an action that had it → connection dropped (resend attachments in full); action ids
 * must be alphanumeric (else 404); `integration` never appears in responses or WebSocket posts; integration
 * URLs on loopback/private addresses are refused unless in `allowedUntrustedInternalConnections` (default
 * allows 127.0.0.1/localhost/::1); a 429 is plain text `limit exceeded` (Client4 then throws a ClientError
 * without status_code); 502/503 are proxy HTML pages.
 */
export {startSimulator, type FaultMatch, type RecordedRequest, type Simulator, type SimulatorOptions} from './server';
export type {ActionExecution, CommandExecution, DialogExecution, DialogOpenRecord, DialogSubmission, EphemeralRecord, IntegrationCall} from './core';
export type {OutgoingRequest, OutgoingResult} from './outgoing';
export type {Broadcast, DeliveredEvent, WsEvent} from './ws-hub';
export type {AppErrorBody, Bot, Channel, ChannelMember, ChannelType, Command, FileInfo, JsonObject, JsonValue, Post, Team, TeamMember, UserProfile} from './wire';
