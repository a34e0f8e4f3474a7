/**
 * Mattermost 5.37 simulator for the bridge's tests: real HTTP + WebSocket on 127.0.0.1 following
 * shared/mattermost-contracts (CONTRACTS.md §7 and the recordings win).
 *
 * Usage:
 *   const sim = await startSimulator();                 // sim.url = site URL, sim.adminToken = admin PAT
 *   const team = sim.createTeam('sec');                  // admin is a member
 *   const alice = sim.createUser('alice', {teams: ['sec']});          // {user, token}
 *   const bot = sim.createBot('cix', {teams: ['sec']});               // bot user + PAT (or create it over REST)
 *   // The bridge talks to sim.url with @mattermost/client (Bearer token), registers its slash command
 *   // with the ADMIN token (a bot gets 403), creates channels/posts as the bot, listens on the WebSocket.
 *   const run = await sim.executeCommand('alice', channelId, '/ci-exposure start codecov');
 *   //   → POSTs the exact 5.37 form to the command URL, applies the CommandResponse
 *   //     (run.status, run.body, run.request, run.response, run.post | run.ephemeral)
 *   const click = await sim.clickButton('alice', postId, 'toggleA');   // POSTs the 5.37 action JSON, applies update
 *   await sim.submitDialog('alice', {url, callback_id, state, channel_id, team_id, submission});
 *   sim.posts(channelId)            // stored posts (integration kept), oldest first; includes system posts
 *                                   // (system_join_channel, system_add_to_channel, header changes) like the server
 *   sim.postAsSeen(postId)          // what clients see (integration stripped, 5.37 attachment shape)
 *   sim.ephemerals(userId) / sim.dialogsOpened() / sim.commands(teamId) / sim.members(channelId)
 *   sim.requests() / sim.integrationRequests() / sim.wsEvents(userId)
 *   sim.failNext({method: 'POST', path: /^\/api\/v4\/posts$/}, 429, 1, {resetSeconds: 1});
 *   sim.advanceTime(31_000)         // expire trigger_ids (30 s) / response_urls (30 min)
 *   expect(sim.openapiViolations()).toEqual([]);
 *   await sim.close();
 *
 * 5.37 behaviours reproduced on purpose: post type > 26 chars → 500 app.post.save.app_error; props > 8000
 * runes → 400; bot → 403 on POST /posts/ephemeral and POST /commands; a patch that drops `integration`
 * from an action that had it → connection dropped (resend attachments in full); action ids must be
 * alphanumeric; `integration` never appears in responses or WebSocket posts.
 */
export {startSimulator, type FaultMatch, type RecordedRequest, type Simulator, type SimulatorOptions} from './server';
export type {ActionExecution, CommandExecution, DialogExecution, DialogOpenRecord, DialogSubmission, EphemeralRecord, IntegrationCall} from './core';
export type {OutgoingRequest, OutgoingResult} from './outgoing';
export type {Broadcast, DeliveredEvent, WsEvent} from './ws-hub';
export type {AppErrorBody, Bot, Channel, ChannelMember, ChannelType, Command, FileInfo, JsonObject, JsonValue, Post, Team, TeamMember, UserProfile} from './wire';
