// HTTP + WebSocket front of the simulator: authentication, dispatch, AppError bodies, the
// X-Request-Id / X-Version-Id headers, request recording, fault injection and OpenAPI validation.
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {Core, errorBody, type ActionExecution, type CommandExecution, type DialogExecution, type DialogOpenRecord, type DialogSubmission, type EphemeralRecord, type IntegrationCall, type UserRecord} from './core';
import {ApiError, notFound404, sessionExpired} from './errors';
import {defaultOpenApiDir, validatorFor, type OpenApiValidator} from './openapi';
import {buildRoutes, type Ctx, type Reply, type Route} from './routes';
import {goJson, newId, VERSION_ID, type Bot, type Channel, type ChannelType, type Command, type JsonObject, type JsonValue, type Post, type Team, type UserProfile} from './wire';
import {WsHub, type DeliveredEvent, type WsConnectionInfo, type WsUpgradeRecord} from './ws-hub';

export interface SimulatorOptions {
  /** X-Version-Id / hello server_version. Default: the 5.37 value of the recordings. */
  versionId?: string;
  /** ServiceSettings.OutgoingIntegrationRequestsTimeout in ms (also the trigger_id lifetime). Default 30000. */
  integrationTimeoutMs?: number;
  /** response_url lifetime in ms. Default 30 min. */
  responseUrlLifetimeMs?: number;
  /** response_url uses. Default 5. */
  responseUrlMaxUses?: number;
  /** Folder with the OpenAPI fragments; false disables validation. Default ../shared/mattermost-contracts/openapi. */
  openapiDir?: string | false;
  /**
   * ServiceSettings.AllowedUntrustedInternalConnections. Default ['127.0.0.1', 'localhost', '::1'] so a
   * bridge on loopback is reachable; [] reproduces a server that refuses it.
   */
  allowedUntrustedInternalConnections?: string[];
  /** Username of the system admin created at start. Default `admin`. */
  adminUsername?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path with query string. */
  path: string;
  status: number;
  /** Request headers, lower-case names; Authorization/Cookie values redacted. */
  headers: Record<string, string>;
  /**
   * Parsed JSON body, or the text, or `<binary N bytes>` / `<multipart N bytes>`; null when empty.
   * In request and response bodies `token` values and echoed tokens are redacted as in the recordings.
   */
  body: JsonValue;
  /** Response body (JSON parsed, text as is); null when the connection was dropped. */
  responseBody: JsonValue;
  responseHeaders: Record<string, string>;
  dropped: boolean;
  injected: boolean;
}

export interface FaultMatch {
  method?: string;
  /** Tested against the path including the query string. */
  path: RegExp;
}

interface Fault {
  match: FaultMatch;
  status: 429 | 500 | 502 | 503;
  remaining: number;
  resetSeconds: number;
}

export interface Simulator {
  /** The site URL, e.g. http://127.0.0.1:PORT (REST under /api/v4, WebSocket at /api/v4/websocket). */
  url: string;
  /** A system admin's personal access token. */
  adminToken: string;
  /** The system admin created at start. */
  admin: UserProfile;
  close(): Promise<void>;
  createTeam(name: string, displayName?: string): Team;
  createUser(username: string, opts?: {teams?: string[]; systemAdmin?: boolean}): {user: UserProfile; token: string};
  /** A bot (is_bot user) owned by the admin, with a personal access token; `teams` are team names. */
  createBot(username: string, opts?: {teams?: string[]; displayName?: string}): {user: UserProfile; bot: Bot; token: string};
  /** Creates a channel as `creatorUsername` (must be a team member); `members` are usernames. */
  createChannel(teamName: string, name: string, opts: {creator: string; type?: ChannelType; displayName?: string; members?: string[]}): Channel;
  addToChannel(channelId: string, username: string): void;
  executeCommand(asUsername: string, channelId: string, line: string, opts?: {rootId?: string}): Promise<CommandExecution>;
  clickButton(asUsername: string, postId: string, actionId: string, opts?: {selectedOption?: string}): Promise<ActionExecution>;
  submitDialog(asUsername: string, submission: DialogSubmission): Promise<DialogExecution>;
  /** Posts as stored (props exactly as sent, `integration` kept), oldest first; all channels when omitted. */
  posts(channelId?: string): Post[];
  /** A post as clients see it (integration stripped, metadata added). */
  postAsSeen(postId: string): JsonObject | undefined;
  channel(idOrName: string): Channel | undefined;
  members(channelId: string): string[];
  user(idOrUsername: string): UserProfile | undefined;
  ephemerals(userId?: string): EphemeralRecord[];
  dialogsOpened(): DialogOpenRecord[];
  commands(teamId?: string): Command[];
  requests(): RecordedRequest[];
  /** Every request the simulator sent to an integration (slash, click, dialog) and what came back. */
  integrationRequests(): IntegrationCall[];
  /** WebSocket events delivered, per connection (a replay after a resume is delivered again). */
  wsEvents(userId?: string): DeliveredEvent[];
  /** Every WebSocket upgrade request and what the server made of it (fresh / resumed / message-loss / refused). */
  wsUpgrades(): WsUpgradeRecord[];
  /** The hub's connections (active and waiting for a resume), optionally of one user. */
  wsConnections(userId?: string): WsConnectionInfo[];
  /**
   * The network between the server and its WebSocket clients drops: every socket closes abruptly (the
   * client sees 1006). The server keeps the connections, so a client that comes back authenticated with
   * its connection_id and sequence_number resumes and gets what it missed.
   */
  dropWebSockets(): void;
  /**
   * The link to the current WebSocket clients goes dead both ways without the server noticing: what it
   * writes from now on gets a sequence number and enters the dead queue but never arrives, replies
   * included (the client's pings time out); nothing the client sends arrives (not even a close frame), so
   * the connection stays active on the server. Ends with dropWebSockets() or a restart.
   */
  partitionWebSockets(): void;
  /**
   * Stops the server as a real shutdown does: every WebSocket closed abruptly, keep-alive connections cut,
   * the port refuses connections until start(). Data (users, channels, posts, tokens) is kept; every
   * WebSocket connection is forgotten (ids unknown afterwards, sequences start again at 0).
   */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port (same URL). */
  start(): Promise<void>;
  /** stop(), `downMs` refusing connections (default 0), start(). */
  restart(opts?: {downMs?: number}): Promise<void>;
  openapiViolations(): string[];
  /** True when the OpenAPI spec was found and requests/responses are being validated. */
  openapiEnabled: boolean;
  failNext(match: FaultMatch, status: 429 | 500 | 502 | 503, times?: number, opts?: {resetSeconds?: number}): void;
  /** Moves the simulator's clock forward (trigger_id and response_url expiry). */
  advanceTime(ms: number): void;
}

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) {
      continue;
    }
    const value = Array.isArray(v) ? v.join(', ') : v;
    if (k === 'authorization') {
      out[k] = value.replace(/^(\S+)\s+.*$/, '$1 <redacted>');
    } else if (k === 'cookie') {
      out[k] = '<redacted>';
    } else {
      out[k] = value;
    }
  }
  return out;
}

/** Recorded copies only: `token` fields and echoed tokens replaced as in the recordings. */
function redactBody(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value.map(redactBody);
  }
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'token' && typeof v === 'string' && v !== '') {
        out[k] = '<redacted-26-char-token>';
      } else if (k === 'detailed_error' && typeof v === 'string' && v.startsWith('token=') && v.length > 'token='.length) {
        out[k] = 'token=<redacted>';
      } else {
        out[k] = redactBody(v);
      }
    }
    return out;
  }
  return value;
}

function tokenOf(req: http.IncomingMessage, query: URLSearchParams): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^(bearer|token)\s+(.*)$/i.exec(auth.trim());
    if (m) {
      return m[2] ?? '';
    }
  }
  const cookie = req.headers.cookie;
  const c = cookie ? /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(cookie) : null;
  if (c?.[1]) {
    return c[1];
  }
  return query.get('access_token') ?? undefined;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

class SimulatorImpl implements Simulator {
  url = '';
  adminToken = '';
  admin: UserProfile;
  openapiEnabled: boolean;
  private readonly core: Core;
  private readonly hub: WsHub;
  private readonly routes: Route[];
  private readonly recorded: RecordedRequest[] = [];
  private readonly violations: string[] = [];
  private readonly faults: Fault[] = [];
  private readonly validator: OpenApiValidator | undefined;
  private readonly versionId: string;
  private port = 0;
  private running = false;
  readonly server: http.Server;

  constructor(options: SimulatorOptions) {
    this.versionId = options.versionId ?? VERSION_ID;
    const hubRef: {core?: Core} = {};
    this.hub = new WsHub({
      versionId: this.versionId,
      authenticate: (token) => hubRef.core?.authenticate(token)?.profile.id,
      now: () => hubRef.core?.now() ?? Date.now(),
    });
    this.core = new Core({
      versionId: this.versionId,
      allowedUntrustedInternalConnections: options.allowedUntrustedInternalConnections ?? ['127.0.0.1', 'localhost', '::1'],
      integrationTimeoutMs: options.integrationTimeoutMs ?? 30_000,
      responseUrlLifetimeMs: options.responseUrlLifetimeMs ?? 30 * 60 * 1000,
      responseUrlMaxUses: options.responseUrlMaxUses ?? 5,
    }, this.hub);
    hubRef.core = this.core;
    this.routes = buildRoutes(this.core);
    const dir = options.openapiDir === false ? undefined : (options.openapiDir ?? defaultOpenApiDir());
    this.validator = dir ? validatorFor(dir) : undefined;
    this.openapiEnabled = this.validator !== undefined;
    const admin = this.core.addUser(options.adminUsername ?? 'admin', {systemAdmin: true});
    this.admin = admin.profile;
    this.adminToken = this.core.issueToken(admin.profile.id, 'simulator admin').token;
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, {'Content-Type': 'text/plain'});
        }
        res.end(`simulator error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = (req.url ?? '').split('?')[0];
      if (path === '/api/v4/websocket') {
        this.hub.handleUpgrade(req, socket, head);
      } else {
        socket.destroy();
      }
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.running = true;
    const addr = this.server.address() as AddressInfo;
    this.port = addr.port;
    this.url = `http://127.0.0.1:${addr.port}`;
    this.core.siteUrl = this.url;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const contentType = req.headers['content-type'] ?? '';
    const requestId = this.nextRequestId();
    let json: JsonValue | undefined;
    let bodyForRecord: JsonValue = null;
    if (raw.length > 0) {
      if (contentType.toLowerCase().startsWith('multipart/')) {
        bodyForRecord = `<multipart ${raw.length} bytes>`;
      } else {
        try {
          json = JSON.parse(raw.toString('utf8')) as JsonValue;
          bodyForRecord = redactBody(json);
        } catch {
          const text = raw.toString('utf8');
          const binary = text.includes('\uFFFD') || raw.some((b) => b < 9 || (b > 13 && b < 32));
          bodyForRecord = binary ? `<binary ${raw.length} bytes>` : text;
        }
      }
    }
    const record: RecordedRequest = {
      method, path: url.pathname + url.search.replace(/([?&]access_token=)[^&]*/, '$1<redacted>'), status: 0, headers: redactHeaders(req.headers), body: bodyForRecord,
      responseBody: null, responseHeaders: {}, dropped: false, injected: false,
    };
    this.recorded.push(record);

    const fault = this.takeFault(method, record.path);
    if (fault) {
      record.injected = true;
      this.writeFault(res, fault, requestId, record);
      return;
    }

    if (this.validator && url.pathname.startsWith('/api/v4/')) {
      const isJsonBody = json !== undefined && !contentType.toLowerCase().startsWith('multipart/');
      this.violations.push(...this.validator.validateRequest({
        method, path: url.pathname, query: url.searchParams, contentType, body: isJsonBody ? json : undefined,
      }));
    }

    let reply: Reply;
    try {
      reply = await this.dispatch(req, method, url, raw, contentType, json);
    } catch (err) {
      if (!(err instanceof ApiError)) {
        throw err;
      }
      reply = {kind: 'json', status: err.status, body: errorBody(err, requestId)};
    }
    if (reply.kind === 'drop') {
      record.dropped = true;
      req.socket.destroy();
      return;
    }
    if (reply.kind === 'json' && reply.status >= 400 && isErrorBody(reply.body)) {
      reply.body.request_id = requestId;
    }
    const headers: Record<string, string> = {'X-Request-Id': requestId, 'X-Version-Id': this.versionId};
    let payload: Buffer;
    if (reply.kind === 'json') {
      headers['Content-Type'] = 'application/json';
      payload = Buffer.from(goJson(reply.body));
      record.responseBody = redactBody(reply.body);
    } else if (reply.kind === 'text') {
      Object.assign(headers, reply.headers ?? {}, {'Content-Type': reply.contentType});
      payload = Buffer.from(reply.body);
      record.responseBody = reply.body;
    } else {
      Object.assign(headers, reply.headers);
      payload = reply.body;
      record.responseBody = `<binary ${payload.length} bytes>`;
    }
    record.status = reply.status;
    record.responseHeaders = headers;
    res.writeHead(reply.status, headers);
    res.end(payload);
    if (this.validator && url.pathname.startsWith('/api/v4/') && reply.kind !== 'raw') {
      this.violations.push(...this.validator.validateResponse({
        method, path: url.pathname, status: reply.status, contentType: headers['Content-Type'] ?? '',
        body: reply.kind === 'json' ? reply.body : undefined,
      }));
    }
  }

  private nextRequestId(): string {
    return newId(); // a fresh 26-char id per request, as the server's X-Request-Id
  }

  private async dispatch(req: http.IncomingMessage, method: string, url: URL, raw: Buffer, contentType: string, json: JsonValue | undefined): Promise<Reply> {
    let matchedPath = false;
    for (const route of this.routes) {
      const m = route.re.exec(url.pathname);
      if (!m) {
        continue;
      }
      matchedPath = true;
      if (route.method !== method) {
        continue;
      }
      let user: UserRecord | undefined;
      const token = tokenOf(req, url.searchParams);
      if (route.auth) {
        user = token === undefined ? undefined : this.core.authenticate(token);
        if (!user) {
          throw sessionExpired(`token=${token ?? ''}`);
        }
      }
      const ctx: Ctx = {method, path: url.pathname, query: url.searchParams, headers: req.headers, raw, contentType, json, user, token};
      return route.handle(ctx, m.slice(1).map((s) => s ?? ''));
    }
    if (matchedPath) {
      return {kind: 'text', status: 405, body: '', contentType: 'text/plain'};
    }
    const err = notFound404();
    return {kind: 'json', status: 404, body: {...errorBody(err, ''), detailed_error: `There doesn't appear to be an api call for the url='${url.pathname}'.  Typo? are you missing a team_id or user_id as part of the url?`}};
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.remaining > 0 && (f.match.method === undefined || f.match.method.toUpperCase() === method) && f.match.path.test(path));
    if (fault) {
      fault.remaining -= 1;
    }
    return fault;
  }

  private writeFault(res: http.ServerResponse, fault: Fault, requestId: string, record: RecordedRequest): void {
    let headers: Record<string, string>;
    let body: string;
    if (fault.status === 429) {
      // app/ratelimit.go (throttled): X-Ratelimit-Reset is whole seconds until reset, not an epoch.
      headers = {
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Content-Type-Options': 'nosniff',
        'X-Ratelimit-Limit': '101',
        'X-Ratelimit-Remaining': '0',
        'X-Ratelimit-Reset': String(fault.resetSeconds),
        'Retry-After': String(fault.resetSeconds),
      };
      body = 'limit exceeded\n';
    } else if (fault.status === 500) {
      headers = {'Content-Type': 'application/json', 'X-Request-Id': requestId, 'X-Version-Id': this.versionId};
      body = goJson(errorBody(new ApiError(500, 'app.simulator.injected_fault.app_error', 'Injected server error.', 'injected by failNext'), requestId));
    } else {
      // 502/503 come from a reverse proxy in front of Mattermost: HTML, no Mattermost headers.
      const text = fault.status === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable';
      headers = {'Content-Type': 'text/html'};
      body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    }
    record.status = fault.status;
    record.responseHeaders = headers;
    record.responseBody = body;
    res.writeHead(fault.status, headers);
    res.end(body);
  }

  // ----- public API

  async close(): Promise<void> {
    await this.hub.close();
    await this.shutdown();
  }

  private async shutdown(): Promise<void> {
    if (!this.running) {
      return;
    }
    this.running = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  async stop(): Promise<void> {
    this.hub.reset();
    await this.shutdown();
  }

  async start(): Promise<void> {
    if (!this.running) {
      await this.listen();
    }
  }

  async restart(opts: {downMs?: number} = {}): Promise<void> {
    await this.stop();
    await new Promise((resolve) => setTimeout(resolve, opts.downMs ?? 0));
    await this.start();
  }

  dropWebSockets(): void {
    this.hub.dropAll();
  }

  partitionWebSockets(): void {
    this.hub.partitionAll();
  }

  wsUpgrades(): WsUpgradeRecord[] {
    return this.hub.upgrades.map((u) => ({...u, query: {...u.query}}));
  }

  wsConnections(userId?: string): WsConnectionInfo[] {
    return this.hub.connectionInfo(userId);
  }

  createTeam(name: string, displayName?: string): Team {
    const team = this.core.addTeam(name, displayName ?? name);
    this.core.addTeamMember(team.id, this.admin.id);
    return team;
  }

  private teamOrThrow(name: string): Team {
    const team = this.core.teamByName(name);
    if (!team) {
      throw new Error(`simulator: no team named ${name}`);
    }
    return team;
  }

  createUser(username: string, opts: {teams?: string[]; systemAdmin?: boolean} = {}): {user: UserProfile; token: string} {
    const rec = this.core.addUser(username, {systemAdmin: opts.systemAdmin});
    for (const t of opts.teams ?? []) {
      this.core.addTeamMember(this.teamOrThrow(t).id, rec.profile.id);
    }
    return {user: rec.profile, token: this.core.issueToken(rec.profile.id, 'simulator').token};
  }

  createBot(username: string, opts: {teams?: string[]; displayName?: string} = {}): {user: UserProfile; bot: Bot; token: string} {
    const rec = this.core.addUser(username, {bot: {displayName: opts.displayName ?? username, description: '', ownerId: this.admin.id}});
    for (const t of opts.teams ?? []) {
      this.core.addTeamMember(this.teamOrThrow(t).id, rec.profile.id);
    }
    if (!rec.bot) {
      throw new Error('simulator: bot record missing');
    }
    return {user: rec.profile, bot: rec.bot, token: this.core.issueToken(rec.profile.id, 'simulator').token};
  }

  createChannel(teamName: string, name: string, opts: {creator: string; type?: ChannelType; displayName?: string; members?: string[]}): Channel {
    const team = this.teamOrThrow(teamName);
    const creator = this.core.requireUser(opts.creator);
    if (!this.core.isTeamMember(team.id, creator.profile.id)) {
      throw new Error(`simulator: ${opts.creator} is not a member of team ${teamName}`);
    }
    const channel = this.core.createChannel(creator, {
      team_id: team.id, name, display_name: opts.displayName ?? name, type: opts.type ?? 'O', purpose: '', header: '',
    });
    for (const m of opts.members ?? []) {
      this.core.addChannelMember(creator, channel, this.core.requireUser(m).profile.id, '');
    }
    return channel;
  }

  addToChannel(channelId: string, username: string): void {
    const channel = this.core.channels.get(channelId);
    if (!channel) {
      throw new Error(`simulator: no channel ${channelId}`);
    }
    const user = this.core.requireUser(username);
    this.core.addChannelMember(user, channel, user.profile.id, '');
  }

  executeCommand(asUsername: string, channelId: string, line: string, opts: {rootId?: string} = {}): Promise<CommandExecution> {
    return this.core.executeCommand(this.core.requireUser(asUsername), channelId, line, {rootId: opts.rootId});
  }

  clickButton(asUsername: string, postId: string, actionId: string, opts: {selectedOption?: string} = {}): Promise<ActionExecution> {
    return this.core.doPostAction(this.core.requireUser(asUsername), postId, actionId, opts.selectedOption ?? '');
  }

  submitDialog(asUsername: string, submission: DialogSubmission): Promise<DialogExecution> {
    return this.core.submitDialog(this.core.requireUser(asUsername), submission);
  }

  posts(channelId?: string): Post[] {
    return [...this.core.posts.values()]
      .filter((p) => channelId === undefined || p.channel_id === channelId)
      .sort((a, b) => a.create_at - b.create_at)
      .map((p) => structuredClone(p));
  }

  postAsSeen(postId: string): JsonObject | undefined {
    const post = this.core.posts.get(postId);
    return post ? this.core.postWire(post) : undefined;
  }

  channel(idOrName: string): Channel | undefined {
    return this.core.channels.get(idOrName) ?? [...this.core.channels.values()].find((c) => c.name === idOrName);
  }

  members(channelId: string): string[] {
    return this.core.memberIds(channelId);
  }

  user(idOrUsername: string): UserProfile | undefined {
    return (this.core.userById(idOrUsername) ?? this.core.userByUsername(idOrUsername))?.profile;
  }

  ephemerals(userId?: string): EphemeralRecord[] {
    return this.core.ephemerals.filter((e) => userId === undefined || e.userId === userId);
  }

  dialogsOpened(): DialogOpenRecord[] {
    return [...this.core.dialogs];
  }

  commands(teamId?: string): Command[] {
    return [...this.core.commands.values()].filter((c) => c.delete_at === 0 && (teamId === undefined || c.team_id === teamId));
  }

  requests(): RecordedRequest[] {
    return [...this.recorded];
  }

  integrationRequests(): IntegrationCall[] {
    return [...this.core.integrationCalls];
  }

  wsEvents(userId?: string): DeliveredEvent[] {
    return this.hub.delivered.filter((e) => userId === undefined || e.userId === userId);
  }

  openapiViolations(): string[] {
    return [...this.violations];
  }

  failNext(match: FaultMatch, status: 429 | 500 | 502 | 503, times = 1, opts: {resetSeconds?: number} = {}): void {
    this.faults.push({match, status, remaining: times, resetSeconds: opts.resetSeconds ?? 1});
  }

  advanceTime(ms: number): void {
    this.core.advanceTime(ms);
  }
}

function isErrorBody(body: JsonValue): body is JsonObject {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && typeof body.id === 'string' && typeof body.status_code === 'number';
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const sim = new SimulatorImpl(options);
  await sim.listen();
  return sim;
}
