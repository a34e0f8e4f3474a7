// The simulated server's state and behaviour (no HTTP here): users, bots, teams, channels, posts,
// commands, files, and what the server does towards integrations (slash command, button click,
// dialog) — all following shared/mattermost-contracts/CONTRACTS.md (§7 wins) and the 5.37 recordings.
import {createSign, createVerify, generateKeyPairSync, type KeyObject} from 'node:crypto';
import {z} from 'zod';
import {ApiError, forbidden, invalidParam} from './errors';
import {actionHeaders, sendOutgoing, slashHeaders, type OutgoingRequest, type OutgoingResult} from './outgoing';
import {
  attachmentsOf,
  goFormEncode,
  goJson,
  isJsonObject,
  mimeTypeFor,
  newId,
  postToWire,
  runeLength,
  slackToMarkdown,
  sortKeysDeep,
  type Bot,
  type Channel,
  type ChannelMember,
  type ChannelType,
  type Command,
  type FileInfo,
  type JsonObject,
  type JsonValue,
  type Post,
  type Team,
  type TeamMember,
  type UserProfile,
} from './wire';
import type {WsHub} from './ws-hub';

export const POST_MESSAGE_MAX_RUNES = 16383; // PostMessageMaxRunesV2 (recorded: 16384 → 400)
export const POST_TYPE_MAX_CHARS = 26; // posts.type varchar(26) (recorded: 28 → 500)
export const POST_PROPS_MAX_RUNES = 8000; // 5.37: props is varchar(8000) (CONTRACTS §7)
export const CHANNEL_NAME_MAX = 64;
const CHANNEL_NAME_RE = /^[a-z0-9]+([a-z\-_0-9]+|(__)?)[a-z0-9]*$/;
const BUILT_IN_TRIGGERS = [
  'away', 'code', 'collapse', 'dnd', 'echo', 'expand', 'groupmsg', 'header', 'help', 'invite', 'invite_people',
  'join', 'kick', 'leave', 'logout', 'me', 'msg', 'mute', 'offline', 'online', 'open', 'purpose', 'remove',
  'rename', 'search', 'settings', 'shortcuts', 'shrug', 'status',
];

export interface UserRecord {
  profile: UserProfile;
  bot: Bot | undefined;
  systemAdmin: boolean;
}

export interface TokenRecord {
  id: string;
  token: string;
  user_id: string;
  description: string;
  is_active: boolean;
}

export interface EphemeralRecord {
  userId: string;
  /** The ephemeral post as delivered (type system_ephemeral). */
  post: JsonObject;
}

export interface DialogOpenRecord {
  userId: string;
  triggerId: string;
  url: string;
  dialog: JsonObject;
  /** Validation problems of the dialog (5.37 opens invalid dialogs anyway; CONTRACTS §2.5). */
  problems: string[];
  at: number;
}

export interface IntegrationCall {
  request: OutgoingRequest;
  result?: OutgoingResult;
  error?: string;
}

export interface CommandExecution {
  /** HTTP status the server answers the client with (POST /api/v4/commands/execute). */
  status: number;
  /** Body the server answers the client with: the CommandResponse (5.37 form) or an AppError. */
  body: JsonObject;
  /** What the simulator sent to the integration, if it got that far. */
  request?: OutgoingRequest;
  /** The integration's reply, parsed as the server parses it (JSON or plain text → text). */
  response?: JsonObject;
  /** The real post created by an `in_channel` response (as clients see it). */
  post?: JsonObject;
  /** The ephemeral post sent to the invoking user for an ephemeral response. */
  ephemeral?: JsonObject;
  triggerId?: string;
}

export interface ActionExecution {
  status: number;
  body: JsonObject;
  request?: OutgoingRequest;
  response?: JsonObject;
  /** The post after applying the integration's `update`. */
  update?: JsonObject;
  ephemeral?: JsonObject;
}

export interface DialogSubmission {
  url: string;
  callback_id?: string;
  state?: string;
  channel_id?: string;
  team_id?: string;
  submission?: JsonObject;
  cancelled?: boolean;
}

export interface DialogExecution {
  status: number;
  body: JsonObject;
  request?: OutgoingRequest;
  response?: JsonObject;
}

interface ResponseUrlHook {
  id: string;
  commandId: string;
  userId: string;
  channelId: string;
  rootId: string;
  createAt: number;
  useCount: number;
}

interface StoredFile {
  info: FileInfo;
  data: Buffer;
}

export interface CoreOptions {
  versionId: string;
  /** ServiceSettings.AllowedUntrustedInternalConnections: host names, IPs or IPv4 CIDRs. */
  allowedUntrustedInternalConnections: string[];
  integrationTimeoutMs: number;
  responseUrlLifetimeMs: number;
  responseUrlMaxUses: number;
}

const commandResponseSchema = z.object({
  response_type: z.string().optional().nullable(),
  text: z.string().optional().nullable(),
  username: z.string().optional().nullable(),
  channel_id: z.string().optional().nullable(),
  icon_url: z.string().optional().nullable(),
  type: z.string().optional().nullable(),
  props: z.record(z.string(), z.unknown()).optional().nullable(),
  goto_location: z.string().optional().nullable(),
  trigger_id: z.string().optional().nullable(),
  skip_slack_parsing: z.boolean().optional().nullable(),
  attachments: z.array(z.unknown()).optional().nullable(),
  extra_responses: z.array(z.unknown()).optional().nullable(),
});

const actionResponseSchema = z.object({
  update: z.object({
    message: z.string().optional().nullable(),
    props: z.record(z.string(), z.unknown()).optional().nullable(),
  }).passthrough().optional().nullable(),
  ephemeral_text: z.string().optional().nullable(),
  skip_slack_parsing: z.boolean().optional().nullable(),
});

function toJson(value: unknown): JsonValue {
  // Values parsed by zod from JSON text are JSON values; re-parse to get the precise type.
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

function toJsonObject(value: unknown): JsonObject {
  const v = toJson(value);
  return isJsonObject(v) ? v : {};
}

export class Core {
  readonly users = new Map<string, UserRecord>();
  readonly tokens = new Map<string, TokenRecord>();
  readonly teams = new Map<string, Team>();
  readonly teamMembers = new Map<string, Map<string, TeamMember>>();
  readonly channels = new Map<string, Channel>();
  readonly channelMembers = new Map<string, Map<string, ChannelMember>>();
  readonly posts = new Map<string, Post>();
  readonly commands = new Map<string, Command>();
  readonly files = new Map<string, StoredFile>();
  readonly ephemerals: EphemeralRecord[] = [];
  readonly dialogs: DialogOpenRecord[] = [];
  readonly integrationCalls: IntegrationCall[] = [];
  private readonly hooks = new Map<string, ResponseUrlHook>();
  private readonly keys: {privateKey: KeyObject; publicKey: KeyObject};
  private clockOffset = 0;
  siteUrl = '';

  constructor(
    readonly options: CoreOptions,
    readonly hub: WsHub,
  ) {
    this.keys = generateKeyPairSync('ec', {namedCurve: 'P-256'});
  }

  now(): number {
    return Date.now() + this.clockOffset;
  }

  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  // -------------------------------------------------------------------------------------------
  // Users, tokens, teams

  userById(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  userByUsername(username: string): UserRecord | undefined {
    const lower = username.toLowerCase();
    return [...this.users.values()].find((u) => u.profile.username === lower);
  }

  requireUser(idOrUsername: string): UserRecord {
    const u = this.userById(idOrUsername) ?? this.userByUsername(idOrUsername);
    if (!u) {
      throw new Error(`simulator: no user ${idOrUsername}`);
    }
    return u;
  }

  addUser(username: string, opts: {systemAdmin?: boolean; bot?: {displayName: string; description: string; ownerId: string}}): UserRecord {
    const lower = username.toLowerCase();
    if (this.userByUsername(lower)) {
      throw new ApiError(400, 'app.user.save.username_exists.app_error', 'An account with that username already exists.', `invalid input: entity: User field: username value: ${lower}`);
    }
    const t = this.now();
    const id = newId();
    const profile: UserProfile = {
      id,
      create_at: t,
      update_at: t,
      delete_at: 0,
      username: lower,
      auth_data: '',
      auth_service: '',
      email: opts.bot ? `${lower}@localhost` : `${lower}@example.com`,
      nickname: '',
      first_name: opts.bot ? opts.bot.displayName : '',
      last_name: '',
      position: '',
      roles: opts.systemAdmin ? 'system_user system_admin' : 'system_user',
      notify_props: {
        channel: 'true', comments: 'never', desktop: 'mention', desktop_sound: 'true', email: 'true',
        first_name: 'false', mention_keys: '', push: 'mention', push_status: 'away',
      },
      last_password_update: t,
      locale: 'en',
      timezone: {automaticTimezone: '', manualTimezone: '', useAutomaticTimezone: 'true'},
      disable_welcome_email: false,
    };
    let bot: Bot | undefined;
    if (opts.bot) {
      profile.is_bot = true;
      profile.bot_description = opts.bot.description;
      bot = {
        user_id: id, username: lower, display_name: opts.bot.displayName, description: opts.bot.description,
        owner_id: opts.bot.ownerId, create_at: t, update_at: t, delete_at: 0,
      };
    }
    const rec: UserRecord = {profile, bot, systemAdmin: opts.systemAdmin === true};
    this.users.set(id, rec);
    return rec;
  }

  issueToken(userId: string, description: string): TokenRecord {
    const rec: TokenRecord = {id: newId(), token: newId(), user_id: userId, description, is_active: true};
    this.tokens.set(rec.token, rec);
    return rec;
  }

  authenticate(token: string): UserRecord | undefined {
    const rec = this.tokens.get(token);
    const user = rec?.is_active ? this.users.get(rec.user_id) : undefined;
    return user && user.profile.delete_at === 0 ? user : undefined; // a disabled bot's tokens stop working
  }

  userToWire(u: UserRecord): JsonObject {
    return toJsonObject(u.profile);
  }

  addTeam(name: string, displayName: string): Team {
    if ([...this.teams.values()].some((t) => t.name === name)) {
      throw new Error(`simulator: team ${name} exists`);
    }
    const t = this.now();
    const team: Team = {
      id: newId(), create_at: t, update_at: t, delete_at: 0, display_name: displayName, name, description: '',
      email: '', type: 'O', company_name: '', allowed_domains: '', invite_id: newId(), allow_open_invite: false,
      scheme_id: null, group_constrained: null, policy_id: null,
    };
    this.teams.set(team.id, team);
    this.teamMembers.set(team.id, new Map());
    return team;
  }

  teamByName(name: string): Team | undefined {
    return [...this.teams.values()].find((t) => t.name === name);
  }

  isTeamMember(teamId: string, userId: string): boolean {
    return this.teamMembers.get(teamId)?.has(userId) ?? false;
  }

  addTeamMember(teamId: string, userId: string): TeamMember {
    const members = this.teamMembers.get(teamId);
    if (!members) {
      throw new ApiError(404, 'app.team.get.find.app_error', 'Unable to find the existing team.', `resource: Team id: ${teamId}`);
    }
    const existing = members.get(userId);
    if (existing) {
      return existing;
    }
    const m: TeamMember = {
      team_id: teamId, user_id: userId, roles: 'team_user', delete_at: 0, scheme_guest: false, scheme_user: true,
      scheme_admin: false, explicit_roles: '',
    };
    members.set(userId, m);
    this.hub.publish('added_to_team', {team_id: teamId, user_id: userId}, {user_id: userId}, [userId]);
    return m;
  }

  // -------------------------------------------------------------------------------------------
  // Channels

  channelByName(teamId: string, name: string): Channel | undefined {
    return [...this.channels.values()].find((c) => c.team_id === teamId && c.name === name);
  }

  isChannelMember(channelId: string, userId: string): boolean {
    return this.channelMembers.get(channelId)?.has(userId) ?? false;
  }

  memberIds(channelId: string): string[] {
    return [...(this.channelMembers.get(channelId)?.keys() ?? [])];
  }

  canReadChannel(user: UserRecord, channel: Channel): boolean {
    return user.systemAdmin || this.isChannelMember(channel.id, user.profile.id)
      || (channel.type === 'O' && this.isTeamMember(channel.team_id, user.profile.id));
  }

  /** Channel.IsValid of 5.37 plus the unique (team_id, name) constraint. */
  validateChannelFields(c: {name: string; display_name: string; purpose: string; header: string; type: string}, newChannelId: string): void {
    const detailed = `id=${newChannelId}`;
    if (runeLength(c.display_name) > 64 || c.display_name === '') {
      throw new ApiError(400, 'model.channel.is_valid.display_name.app_error', 'Invalid display name.', detailed);
    }
    if (c.name.length > CHANNEL_NAME_MAX) {
      throw new ApiError(400, 'model.channel.is_valid.name.app_error', 'Invalid channel name. User ids are not permitted in channel name for non-direct message channels.', detailed);
    }
    if (c.name.length < 2 || !CHANNEL_NAME_RE.test(c.name)) {
      throw new ApiError(400, 'model.channel.is_valid.2_or_more.app_error', 'Name must be 2 or more lowercase alphanumeric characters.', detailed);
    }
    if (/^[a-z0-9]{26}__[a-z0-9]{26}$/.test(c.name) || /^[a-f0-9]{40}$/.test(c.name)) {
      throw new ApiError(400, 'model.channel.is_valid.name.app_error', 'Invalid channel name. User ids are not permitted in channel name for non-direct message channels.', detailed);
    }
    if (c.type !== 'O' && c.type !== 'P') {
      throw new ApiError(400, 'model.channel.is_valid.type.app_error', 'Invalid type.', detailed);
    }
    if (runeLength(c.header) > 1024) {
      throw new ApiError(400, 'model.channel.is_valid.header.app_error', 'Invalid header.', detailed);
    }
    if (runeLength(c.purpose) > 250) {
      throw new ApiError(400, 'model.channel.is_valid.purpose.app_error', 'Invalid purpose.', detailed);
    }
  }

  createChannel(creator: UserRecord, input: {team_id: string; name: string; display_name: string; type: string; purpose: string; header: string}): Channel {
    const id = newId();
    this.validateChannelFields(input, id);
    const type: ChannelType = input.type === 'P' ? 'P' : 'O'; // validateChannelFields admits only O and P
    const existing = this.channelByName(input.team_id, input.name);
    if (existing) {
      throw new ApiError(400, 'store.sql_channel.save_channel.exists.app_error', 'A channel with that name already exists on the same team.',
        `Channelexists id=${existing.id} pq: duplicate key value violates unique constraint "channels_name_teamid_key"`);
    }
    const t = this.now();
    const channel: Channel = {
      id, create_at: t, update_at: t, delete_at: 0, team_id: input.team_id, type,
      display_name: input.display_name.trim(), name: input.name, header: input.header, purpose: input.purpose,
      last_post_at: 0, total_msg_count: 0, extra_update_at: 0, creator_id: creator.profile.id, scheme_id: null,
      props: null, group_constrained: null, shared: null, total_msg_count_root: 0, policy_id: null,
    };
    this.channels.set(id, channel);
    this.channelMembers.set(id, new Map());
    this.addChannelMemberRaw(id, creator.profile.id);
    // 5.37 posts "<user> joined the channel." for the creator, then tells the creator's clients.
    this.createSystemPost(channel, creator, 'system_join_channel', `${creator.profile.username} joined the channel.`, {username: creator.profile.username});
    this.hub.publish('channel_created', {channel_id: id, team_id: input.team_id}, {user_id: creator.profile.id}, [creator.profile.id]);
    return channel;
  }

  private addChannelMemberRaw(channelId: string, userId: string): ChannelMember {
    const members = this.channelMembers.get(channelId);
    if (!members) {
      throw new Error(`simulator: no channel ${channelId}`);
    }
    const existing = members.get(userId);
    if (existing) {
      return existing;
    }
    const m: ChannelMember = {
      channel_id: channelId, user_id: userId, roles: 'channel_user', last_viewed_at: 0, msg_count: 0, mention_count: 0,
      mention_count_root: 0, msg_count_root: 0,
      notify_props: {desktop: 'default', email: 'default', ignore_channel_mentions: 'default', mark_unread: 'all', push: 'default'},
      last_update_at: this.now(), scheme_guest: false, scheme_user: true, scheme_admin: false, explicit_roles: '',
    };
    members.set(userId, m);
    return m;
  }

  /** POST /channels/{id}/members semantics (permission checked by the caller). */
  addChannelMember(actor: UserRecord, channel: Channel, userId: string, postRootId: string): ChannelMember {
    const target = this.users.get(userId);
    if (!target) {
      throw new ApiError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id in request body.');
    }
    if (channel.type === 'D' || channel.type === 'G') {
      throw new ApiError(400, 'api.channel.add_user_to_channel.type.app_error', 'Can not add user to this channel type.');
    }
    if (!this.isTeamMember(channel.team_id, userId)) {
      throw new ApiError(403, 'api.channel.add_members.user_denied', `Channel membership denied to the following users because of group constraints: ${userId}`);
    }
    const already = this.isChannelMember(channel.id, userId);
    const member = this.addChannelMemberRaw(channel.id, userId);
    if (!already) {
      const props: JsonObject = actor.profile.id === userId
        ? {username: target.profile.username}
        : {addedUserId: userId, addedUsername: target.profile.username, userId: actor.profile.id, username: actor.profile.username};
      if (actor.profile.id === userId) {
        this.createSystemPost(channel, actor, 'system_join_channel', `${target.profile.username} joined the channel.`, props, postRootId);
      } else {
        this.createSystemPost(channel, actor, 'system_add_to_channel', `${target.profile.username} added to the channel by ${actor.profile.username}.`, props, postRootId);
      }
      this.hub.publish('user_added', {team_id: channel.team_id, user_id: userId}, {channel_id: channel.id}, this.memberIds(channel.id));
    }
    return member;
  }

  removeChannelMember(actor: UserRecord, channel: Channel, userId: string): void {
    const members = this.channelMembers.get(channel.id);
    if (!members?.has(userId)) {
      throw new ApiError(404, 'app.channel.get_member.missing.app_error', 'No channel member found for that user ID and channel ID.', `channel_id=${channel.id}, user_id=${userId}`);
    }
    if (channel.type === 'D' || channel.type === 'G') {
      throw new ApiError(400, 'api.channel.remove_user_from_channel.api.app_error', 'Can not remove user from this channel type.', '');
    }
    const target = this.users.get(userId);
    const audience = this.memberIds(channel.id);
    members.delete(userId);
    const name = target?.profile.username ?? userId;
    if (actor.profile.id === userId) {
      this.createSystemPost(channel, actor, 'system_leave_channel', `${name} left the channel.`, {username: name});
    } else {
      this.createSystemPost(channel, actor, 'system_remove_from_channel', `${name} was removed from the channel.`, {removedUserId: userId, removedUsername: name});
    }
    this.hub.publish('user_removed', {channel_id: channel.id, remover_id: actor.profile.id, user_id: userId}, {user_id: userId}, [userId]);
    this.hub.publish('user_removed', {remover_id: actor.profile.id, user_id: userId}, {channel_id: channel.id}, audience.filter((u) => u !== userId));
  }

  archiveChannel(actor: UserRecord, channel: Channel): void {
    if (channel.delete_at !== 0) {
      throw new ApiError(400, 'api.channel.delete_channel.deleted.app_error', 'The channel has been archived or deleted.', '');
    }
    this.createSystemPost(channel, actor, 'system_channel_deleted', `${actor.profile.username} archived the channel`, {username: actor.profile.username});
    const t = this.now();
    channel.delete_at = t;
    channel.update_at = t;
    this.hub.publish('channel_deleted', {channel_id: channel.id, delete_at: t}, {team_id: channel.team_id}, [...(this.teamMembers.get(channel.team_id)?.keys() ?? [])].filter((u) => channel.type === 'O' || this.isChannelMember(channel.id, u)));
  }

  directChannel(actor: UserRecord, a: string, b: string): Channel {
    const [x, y] = [a, b].sort() as [string, string];
    const name = `${x}__${y}`;
    const existing = [...this.channels.values()].find((c) => c.type === 'D' && c.name === name);
    if (existing) {
      return existing;
    }
    const t = this.now();
    const channel: Channel = {
      id: newId(), create_at: t, update_at: t, delete_at: 0, team_id: '', type: 'D', display_name: '', name,
      header: '', purpose: '', last_post_at: 0, total_msg_count: 0, extra_update_at: 0, creator_id: actor.profile.id,
      scheme_id: null, props: null, group_constrained: null, shared: false, total_msg_count_root: 0, policy_id: null,
    };
    this.channels.set(channel.id, channel);
    this.channelMembers.set(channel.id, new Map());
    this.addChannelMemberRaw(channel.id, x);
    this.addChannelMemberRaw(channel.id, y);
    for (const uid of new Set([x, y])) {
      const other = uid === x ? y : x;
      this.hub.publish('direct_added', {creator_id: actor.profile.id, teammate_id: other}, {channel_id: channel.id}, [uid]);
    }
    return channel;
  }

  patchChannel(actor: UserRecord, channel: Channel, patch: {display_name?: string; name?: string; header?: string; purpose?: string}): Channel {
    const next = {
      name: patch.name ?? channel.name,
      display_name: patch.display_name ?? channel.display_name,
      header: patch.header ?? channel.header,
      purpose: patch.purpose ?? channel.purpose,
      type: channel.type,
    };
    if (channel.type === 'O' || channel.type === 'P') {
      this.validateChannelFields(next, channel.id);
      const clash = this.channelByName(channel.team_id, next.name);
      if (clash && clash.id !== channel.id) {
        throw new ApiError(400, 'store.sql_channel.update.exists.app_error', 'A channel with that handle already exists', `id=${channel.id}`);
      }
    }
    const oldHeader = channel.header;
    const oldPurpose = channel.purpose;
    Object.assign(channel, next, {update_at: this.now()});
    const who = actor.profile.username;
    if (oldHeader !== channel.header) {
      const msg = oldHeader === '' ? `@${who} updated the channel header to: ${channel.header}`
        : channel.header === '' ? `@${who} removed the channel header (was: ${oldHeader})`
          : `@${who} updated the channel header from: ${oldHeader} to: ${channel.header}`;
      this.createSystemPost(channel, actor, 'system_header_change', msg, {new_header: channel.header, old_header: oldHeader, username: who});
    }
    if (oldPurpose !== channel.purpose) {
      const msg = oldPurpose === '' ? `${who} updated the channel purpose to: ${channel.purpose}`
        : channel.purpose === '' ? `${who} removed the channel purpose (was: ${oldPurpose})`
          : `${who} updated the channel purpose from: ${oldPurpose} to: ${channel.purpose}`;
      this.createSystemPost(channel, actor, 'system_purpose_change', msg, {new_purpose: channel.purpose, old_purpose: oldPurpose, username: who});
    }
    this.hub.publish('channel_updated', {channel: goJson(channel)}, {channel_id: channel.id}, this.memberIds(channel.id));
    return channel;
  }

  // -------------------------------------------------------------------------------------------
  // Posts

  postWire(post: Post): JsonObject {
    const replyCount = [...this.posts.values()].filter((p) => p.root_id === post.id && p.delete_at === 0).length;
    const files = post.file_ids.flatMap((id) => {
      const f = this.files.get(id);
      return f ? [f.info] : [];
    });
    return postToWire(post, {replyCount, files});
  }

  private createSystemPost(channel: Channel, actor: UserRecord, type: string, message: string, props: JsonObject, rootId = ''): Post {
    const t = this.now();
    const post: Post = {
      id: newId(), create_at: t, update_at: t, edit_at: 0, delete_at: 0, is_pinned: false, user_id: actor.profile.id,
      channel_id: channel.id, root_id: rootId, original_id: '', message, type, props, hashtags: '', file_ids: [],
      pending_post_id: '',
    };
    this.savePost(post, channel, 'System');
    return post;
  }

  private savePost(post: Post, channel: Channel, senderName: string): void {
    this.posts.set(post.id, post);
    channel.last_post_at = post.create_at;
    channel.total_msg_count += 1;
    if (post.root_id === '') {
      channel.total_msg_count_root += 1;
    }
    for (const fileId of post.file_ids) {
      const f = this.files.get(fileId);
      if (f) {
        f.info.post_id = post.id;
      }
    }
    const members = this.memberIds(channel.id);
    const data: JsonObject = {
      channel_display_name: channel.display_name,
      channel_name: channel.name,
      channel_type: channel.type,
    };
    const mentioned = members.filter((uid) => {
      const u = this.users.get(uid);
      return uid !== post.user_id && u !== undefined && new RegExp(`(^|[^a-z0-9._-])@${u.profile.username.replace(/[.]/g, '\\.')}($|[^a-z0-9_-])`).test(post.message);
    });
    if (mentioned.length > 0) {
      data.mentions = goJson(mentioned);
    }
    Object.assign(data, {
      post: goJson(this.postWire(post)),
      sender_name: senderName,
      set_online: true,
      team_id: channel.team_id,
    } satisfies JsonObject);
    this.hub.publish('posted', data, {channel_id: channel.id}, members);
  }

  /** Post validation of 5.37 (IsValid then the database column limits). */
  validatePost(post: {id: string; message: string; type: string; props: JsonObject; file_ids: string[]}): void {
    const detailed = `id=${post.id}`;
    if (runeLength(post.message) > POST_MESSAGE_MAX_RUNES) {
      throw new ApiError(400, 'model.post.is_valid.msg.app_error', 'Invalid message.', detailed);
    }
    if (post.type !== '' && !post.type.startsWith('custom_') && !post.type.startsWith('system_')) {
      throw new ApiError(400, 'model.post.is_valid.type.app_error', 'Invalid type.', detailed);
    }
    if (runeLength(goJson(post.file_ids)) > 300) {
      throw new ApiError(400, 'model.post.is_valid.file_ids.app_error', 'Invalid file ids. Note that uploads are limited to 10 files maximum. Please use additional posts for more files.', detailed);
    }
    if (runeLength(goJson(post.props)) > POST_PROPS_MAX_RUNES) {
      throw new ApiError(400, 'model.post.is_valid.props.app_error', 'Invalid props.', detailed);
    }
    if (post.type.length > POST_TYPE_MAX_CHARS) {
      throw new ApiError(500, 'app.post.save.app_error', 'Unable to save the Post.', 'failed to save Post: pq: value too long for type character varying(26)');
    }
    for (const attachment of attachmentsOf(post.props)) {
      const actions = isJsonObject(attachment) && Array.isArray(attachment.actions) ? attachment.actions : [];
      for (const action of actions) {
        if (!isJsonObject(action)) {
          continue;
        }
        const integration = action.integration;
        const url = isJsonObject(integration) ? integration.url : undefined;
        if (typeof url === 'string' && url !== '' && !/^https?:\/\//i.test(url) && !/^\/?plugins\//.test(url)) {
          throw new ApiError(400, 'model.post.is_valid.action_integration.app_error', 'Invalid action integration URL.', detailed);
        }
      }
    }
  }

  /** Post.GenerateActionIds: actions without an id get a 26-char id. */
  private generateActionIds(props: JsonObject): void {
    for (const attachment of attachmentsOf(props)) {
      const actions = isJsonObject(attachment) && Array.isArray(attachment.actions) ? attachment.actions : [];
      for (const action of actions) {
        if (isJsonObject(action) && (typeof action.id !== 'string' || action.id === '')) {
          action.id = newId();
        }
      }
    }
  }

  createPost(author: UserRecord, input: {channel_id: string; message: string; root_id?: string; type?: string; props?: JsonObject; file_ids?: string[]}, opts: {fromWebhook?: boolean} = {}): Post {
    const channel = this.channels.get(input.channel_id);
    if (!channel) {
      throw forbidden(author.profile.id, 'create_post');
    }
    if (channel.delete_at !== 0) {
      throw new ApiError(400, 'api.post.create_post.can_not_post_to_deleted.error', 'Can not post to deleted channel.', '');
    }
    const props: JsonObject = toJsonObject(input.props ?? {});
    if (author.bot) {
      props.from_bot = 'true';
    }
    if (opts.fromWebhook) {
      props.from_webhook = 'true';
    }
    const t = this.now();
    const post: Post = {
      id: newId(), create_at: t, update_at: t, edit_at: 0, delete_at: 0, is_pinned: false, user_id: author.profile.id,
      channel_id: channel.id, root_id: input.root_id ?? '', original_id: '', message: input.message,
      type: input.type ?? '', props, hashtags: parseHashtags(input.message), file_ids: input.file_ids ?? [],
      pending_post_id: '',
    };
    if (post.root_id !== '') {
      const root = this.posts.get(post.root_id);
      if (!root || root.channel_id !== channel.id) {
        throw new ApiError(400, 'api.post.create_post.root_id.app_error', 'Invalid RootId parameter.', '');
      }
    }
    this.validatePost(post);
    this.generateActionIds(post.props);
    this.savePost(post, channel, `@${author.profile.username}`);
    return post;
  }

  publishEdited(post: Post): void {
    this.hub.publish('post_edited', {post: goJson(this.postWire(post))}, {channel_id: post.channel_id}, this.memberIds(post.channel_id));
  }

  /**
   * PUT /posts/{id}/patch. Reproduces the 5.37 hazard of CONTRACTS §7: a patch whose attachment
   * actions lack `integration` where the stored action had one crashed the server (nil pointer in
   * PostAction.Equals) and dropped the connection; `'drop'` tells the HTTP layer to do the same.
   */
  patchPost(post: Post, patch: {message?: string; is_pinned?: boolean; props?: JsonObject | null; file_ids?: string[]; has_reactions?: boolean}): Post | 'drop' {
    if (patch.props) {
      const oldAtt = attachmentsOf(post.props);
      const newAtt = attachmentsOf(patch.props);
      for (let i = 0; i < Math.min(oldAtt.length, newAtt.length); i++) {
        const oa = oldAtt[i];
        const na = newAtt[i];
        const oActs = isJsonObject(oa) && Array.isArray(oa.actions) ? oa.actions : [];
        const nActs = isJsonObject(na) && Array.isArray(na.actions) ? na.actions : [];
        for (let j = 0; j < Math.min(oActs.length, nActs.length); j++) {
          const o = oActs[j];
          const n = nActs[j];
          if (isJsonObject(o) && isJsonObject(n) && isJsonObject(o.integration) && !isJsonObject(n.integration)) {
            return 'drop';
          }
        }
      }
    }
    const next: Post = {
      ...post,
      message: patch.message ?? post.message,
      is_pinned: patch.is_pinned ?? post.is_pinned,
      props: patch.props ? toJsonObject(patch.props) : post.props,
      file_ids: patch.file_ids ?? post.file_ids,
    };
    this.validatePost(next);
    this.generateActionIds(next.props);
    const t = this.now();
    next.update_at = t;
    next.edit_at = t;
    next.hashtags = parseHashtags(next.message);
    this.posts.set(post.id, next);
    this.publishEdited(next);
    return next;
  }

  setPinned(post: Post, pinned: boolean): Post {
    const next: Post = {...post, is_pinned: pinned, update_at: this.now()};
    this.posts.set(post.id, next);
    this.publishEdited(next);
    return next;
  }

  deletePost(post: Post): void {
    const next: Post = {...post, delete_at: this.now(), update_at: this.now()};
    this.posts.set(post.id, next);
    this.hub.publish('post_deleted', {post: goJson(this.postWire(next))}, {channel_id: post.channel_id}, this.memberIds(post.channel_id));
  }

  sendEphemeral(userId: string, input: {channel_id: string; message: string; root_id?: string; props?: JsonObject; user_id: string}): JsonObject {
    const t = this.now();
    const post: Post = {
      id: newId(), create_at: t, update_at: t, edit_at: 0, delete_at: 0, is_pinned: false, user_id: input.user_id,
      channel_id: input.channel_id, root_id: input.root_id ?? '', original_id: '', message: input.message,
      type: 'system_ephemeral', props: toJsonObject(input.props ?? {}), hashtags: '', file_ids: [], pending_post_id: '',
    };
    const wire = postToWire(post, {replyCount: 0, files: []});
    this.ephemerals.push({userId, post: wire});
    this.hub.publish('ephemeral_message', {post: goJson(wire)}, {user_id: userId, channel_id: input.channel_id}, [userId]);
    return wire;
  }

  // -------------------------------------------------------------------------------------------
  // Files

  storeFile(user: UserRecord, name: string, data: Buffer): FileInfo {
    const t = this.now();
    const dot = name.lastIndexOf('.');
    const extension = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
    const info: FileInfo = {
      id: newId(), user_id: user.profile.id, channel_id: '', create_at: t, update_at: t, delete_at: 0, name,
      extension, size: data.length, mime_type: mimeTypeFor(extension), mini_preview: null, remote_id: '',
    };
    this.files.set(info.id, {info, data});
    return info;
  }

  fileData(id: string): {info: FileInfo; data: Buffer} | undefined {
    return this.files.get(id);
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  validateCommand(c: Omit<Command, 'method'> & {method: string}): void {
    const bad = (field: string, message: string): ApiError => new ApiError(400, `model.command.is_valid.${field}.app_error`, message, '');
    if (c.team_id.length !== 26) {
      throw bad('team_id', 'Invalid team ID.');
    }
    if (c.trigger.length < 1 || c.trigger.length > 128 || c.trigger.startsWith('/') || /\s/.test(c.trigger)) {
      throw bad('trigger', 'Invalid trigger.');
    }
    if (c.url.length === 0 || c.url.length > 1024) {
      throw bad('url', 'Invalid url.');
    }
    if (!/^https?:\/\/[^\s/]+/i.test(c.url)) {
      throw bad('url_http', 'Invalid URL. Must be a valid URL and start with http:// or https://.');
    }
    if (c.method !== 'P' && c.method !== 'G') {
      throw bad('method', 'Invalid method.');
    }
    if (runeLength(c.display_name) > 64) {
      throw bad('display_name', 'Invalid title.');
    }
    if (runeLength(c.description) > 128) {
      throw bad('description', 'Invalid description.');
    }
  }

  checkTriggerUnique(teamId: string, trigger: string, exceptId: string): void {
    const lower = trigger.toLowerCase();
    const clash = BUILT_IN_TRIGGERS.includes(lower)
      || [...this.commands.values()].some((c) => c.team_id === teamId && c.delete_at === 0 && c.trigger === lower && c.id !== exceptId);
    if (clash) {
      throw new ApiError(400, 'api.command.duplicate_trigger.app_error', 'This trigger word is already in use. Please choose another word.', '');
    }
  }

  builtInCommands(teamId: string): JsonObject[] {
    return BUILT_IN_TRIGGERS.map((trigger) => ({
      id: '', token: '', create_at: 0, update_at: 0, delete_at: 0, creator_id: '', team_id: teamId, trigger,
      method: '', username: '', icon_url: '', auto_complete: true, auto_complete_desc: '', auto_complete_hint: '',
      display_name: '', description: '', url: '', plugin_id: '',
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Trigger ids (model/integration_action.go GenerateTriggerId / DecodeAndVerifyTriggerId)

  generateTriggerId(userId: string): {clientTriggerId: string; triggerId: string} {
    const clientTriggerId = newId();
    const payload = `${clientTriggerId}:${userId}:${this.now()}`;
    const signer = createSign('sha256');
    signer.update(payload);
    const sig = signer.sign(this.keys.privateKey).toString('base64');
    return {clientTriggerId, triggerId: Buffer.from(`${payload}:${sig}`).toString('base64')};
  }

  decodeTriggerId(triggerId: string): {userId: string; clientTriggerId: string} {
    const err = (id: string, message: string): ApiError => new ApiError(400, `interactive_message.decode_trigger_id.${id}`, message, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(triggerId)) {
      throw err('base64_decode_failed', 'Failed to decode base64 for trigger ID for interactive dialog.');
    }
    const parts = Buffer.from(triggerId, 'base64').toString('utf8').split(':');
    if (parts.length !== 4) {
      throw err('missing_data', 'Trigger ID missing required data for interactive dialog.');
    }
    const [clientTriggerId = '', userId = '', millisText = '', sig = ''] = parts;
    const millis = Number(millisText);
    if (!Number.isInteger(millis)) {
      throw err('missing_data', 'Trigger ID missing required data for interactive dialog.');
    }
    const lifetime = this.options.integrationTimeoutMs;
    if (this.now() - millis > lifetime) {
      throw err('expired', `Trigger ID for interactive dialog is expired. Trigger IDs live for a maximum of ${Math.round(lifetime / 1000)}s.`);
    }
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sig)) {
      throw err('signature_decode_failed', 'Failed to decode base64 signature of trigger ID for interactive dialog.');
    }
    const verifier = createVerify('sha256');
    verifier.update(`${clientTriggerId}:${userId}:${millisText}`);
    if (!verifier.verify(this.keys.publicKey, Buffer.from(sig, 'base64'))) {
      throw err('verify_signature_failed', 'Signature verification failed of trigger ID for interactive dialog.');
    }
    return {userId, clientTriggerId};
  }

  // -------------------------------------------------------------------------------------------
  // Slash commands (app/command.go)

  private async callIntegration(request: OutgoingRequest): Promise<IntegrationCall> {
    const call: IntegrationCall = {request};
    this.integrationCalls.push(call);
    const refused = untrustedRefusal(request.url, this.options.allowedUntrustedInternalConnections);
    if (refused) {
      call.error = refused;
      return call;
    }
    try {
      call.result = await sendOutgoing(request, this.options.integrationTimeoutMs);
    } catch (err) {
      call.error = err instanceof Error ? err.message : String(err);
    }
    return call;
  }

  async executeCommand(user: UserRecord, channelId: string, line: string, opts: {rootId?: string; teamId?: string}): Promise<CommandExecution> {
    try {
      return await this.executeCommandInner(user, channelId, line, opts);
    } catch (err) {
      if (err instanceof ApiError) {
        return {status: err.status, body: errorBody(err, '')};
      }
      throw err;
    }
  }

  private async executeCommandInner(user: UserRecord, channelId: string, line: string, opts: {rootId?: string; teamId?: string}): Promise<CommandExecution> {
    const channel = this.channels.get(channelId);
    if (!channel || !(this.isChannelMember(channelId, user.profile.id) || (user.systemAdmin && channel.type !== 'D'))) {
      throw forbidden(user.profile.id, 'create_post');
    }
    if (!line.startsWith('/')) {
      throw new ApiError(400, 'api.command.execute_command.start.app_error', 'No command trigger found.', '');
    }
    const ws = /\s/u.exec(line);
    const head = ws ? line.slice(0, ws.index) : line;
    const text = ws ? line.slice(ws.index + ws[0].length) : '';
    const trigger = head.slice(1).toLowerCase();
    const teamId = channel.team_id !== '' ? channel.team_id : (opts.teamId ?? '');
    const team = this.teams.get(teamId);
    const command = [...this.commands.values()].find((c) => c.team_id === teamId && c.delete_at === 0 && c.trigger === trigger);
    if (!command || !team) {
      throw new ApiError(404, 'api.command.execute_command.not_found.app_error',
        `Command with a trigger of '${head}' not found. To send a message beginning with "/", try adding an empty space at the beginning of the message.`, '');
    }
    const {clientTriggerId, triggerId} = this.generateTriggerId(user.profile.id);
    const hook: ResponseUrlHook = {
      id: newId(), commandId: command.id, userId: user.profile.id, channelId: channel.id, rootId: opts.rootId ?? '',
      createAt: this.now(), useCount: 0,
    };
    this.hooks.set(hook.id, hook);
    const fields: Array<[string, string]> = [
      ['token', command.token], ['team_id', team.id], ['team_domain', team.name], ['channel_id', channel.id],
      ['channel_name', channel.name], ['user_id', user.profile.id], ['user_name', user.profile.username],
      ['command', `/${trigger}`], ['text', text], ['trigger_id', triggerId],
      ['response_url', `${this.siteUrl}/hooks/commands/${hook.id}`],
    ];
    if (opts.rootId) {
      fields.push(['root_id', opts.rootId]);
    }
    for (const m of text.matchAll(/@([a-z0-9.\-_]+)/gi)) {
      const u = m[1] ? this.userByUsername(m[1].replace(/[.\-_]+$/, '')) : undefined;
      if (u && this.isTeamMember(team.id, u.profile.id)) {
        fields.push(['user_mentions', u.profile.username], ['user_mentions_ids', u.profile.id]);
      }
    }
    for (const m of text.matchAll(/~([a-z0-9\-_]+)/gi)) {
      const c = m[1] ? this.channelByName(team.id, m[1].toLowerCase()) : undefined;
      if (c && c.type === 'O') {
        fields.push(['channel_mentions', c.name], ['channel_mentions_ids', c.id]);
      }
    }
    const encoded = goFormEncode(fields);
    const method = command.method === 'G' ? 'GET' : 'POST';
    const url = method === 'GET' ? `${command.url}${command.url.includes('?') ? '&' : '?'}${encoded}` : command.url;
    const request: OutgoingRequest = {kind: 'slash_command', method, url, headers: slashHeaders(encoded, command.token, method), body: method === 'POST' ? encoded : ''};
    const call = await this.callIntegration(request);
    if (call.error !== undefined || !call.result) {
      return {status: 500, body: errorBody(new ApiError(500, 'api.command.execute_command.failed.app_error', `Command with a trigger of '${trigger}' failed.`, call.error ?? ''), ''), request, triggerId};
    }
    const result = call.result;
    if (result.status !== 200) {
      return {status: 500, body: errorBody(new ApiError(500, 'api.command.execute_command.failed_resp.app_error', `Command with a trigger of '${trigger}' returned response ${result.status}.`, result.body), ''), request, triggerId};
    }
    let response: JsonObject;
    try {
      response = parseCommandResponse(result.contentType, result.body);
    } catch {
      return {status: 500, body: errorBody(new ApiError(500, 'api.command.execute_command.failed.app_error', `Command with a trigger of '${trigger}' failed.`, 'invalid JSON'), ''), request, triggerId};
    }
    const handled = this.handleCommandResponse(user, command, channel, opts.rootId ?? '', response);
    const body = commandResponseWire(response);
    if (body.trigger_id === '') {
      body.trigger_id = clientTriggerId;
    }
    return {status: 200, body, request, response, triggerId, ...handled};
  }

  /** HandleCommandResponse(Post) for the response and each of its extra_responses. */
  handleCommandResponse(user: UserRecord, command: Command, channel: Channel, rootId: string, response: JsonObject): {post?: JsonObject; ephemeral?: JsonObject} {
    const out: {post?: JsonObject; ephemeral?: JsonObject} = {};
    const parsed = commandResponseSchema.safeParse(response);
    if (!parsed.success) {
      throw new ApiError(500, 'api.command.execute_command.failed.app_error', 'Command failed.', parsed.error.message);
    }
    const r = parsed.data;
    let target = channel;
    if (r.channel_id && r.channel_id !== channel.id) {
      const other = this.channels.get(r.channel_id);
      if (!other || !this.isChannelMember(other.id, user.profile.id)) {
        throw new ApiError(403, 'api.command.command_post.forbidden.app_error', 'Specified user is not a member of specified channel.', '');
      }
      target = other;
    }
    if (r.type && r.type.startsWith('system_')) {
      throw new ApiError(400, 'api.command.execute_command.create_post_failed.app_error', 'Command failed to post response.', 'system post types are reserved');
    }
    const skip = r.skip_slack_parsing === true;
    const message = skip ? (r.text ?? '') : slackToMarkdown(r.text ?? '');
    const props: JsonObject = toJsonObject(r.props ?? {});
    const attachments = r.attachments ? toJson(r.attachments) : null;
    if (Array.isArray(attachments) && attachments.length > 0) {
      props.attachments = skip ? attachments : attachments.map(slackAttachment);
    }
    if (r.response_type === 'in_channel') {
      const post = this.createPost(user, {channel_id: target.id, message, root_id: rootId, type: r.type ?? '', props}, {fromWebhook: true});
      out.post = this.postWire(post);
    } else if (message !== '' || (Array.isArray(attachments) && attachments.length > 0)) {
      out.ephemeral = this.sendEphemeral(user.profile.id, {channel_id: target.id, message, root_id: rootId, props: {...props, from_webhook: 'true'}, user_id: user.profile.id});
    }
    for (const extra of r.extra_responses ?? []) {
      if (isJsonObject(toJson(extra))) {
        this.handleCommandResponse(user, command, channel, rootId, toJsonObject(extra));
      }
    }
    return out;
  }

  /** POST /hooks/commands/{id} (web/webhook.go commandWebhook). */
  handleResponseUrl(hookId: string, contentType: string, body: string): void {
    const hook = this.hooks.get(hookId);
    if (!hook) {
      throw new ApiError(404, 'app.command_webhook.get.missing', 'Webhook does not exist.', '');
    }
    if (this.now() - hook.createAt > this.options.responseUrlLifetimeMs) {
      throw new ApiError(400, 'app.command_webhook.get.expired', 'Webhook has expired.', '');
    }
    if (hook.useCount >= this.options.responseUrlMaxUses) {
      throw new ApiError(400, 'app.command_webhook.try_use.invalid', 'Invalid webhook', '');
    }
    hook.useCount += 1;
    let response: JsonObject;
    try {
      response = parseCommandResponse(contentType, body);
    } catch {
      throw new ApiError(400, 'web.command_webhook.parse.app_error', 'Unable to parse incoming data', '');
    }
    const user = this.users.get(hook.userId);
    const command = this.commands.get(hook.commandId);
    const channel = this.channels.get(hook.channelId);
    if (!user || !command || !channel) {
      throw new ApiError(400, 'web.command_webhook.command.app_error', 'Couldn\'t find the command', '');
    }
    this.handleCommandResponse(user, command, channel, hook.rootId, response);
  }

  // -------------------------------------------------------------------------------------------
  // Post actions (app/integration_action.go DoPostActionWithCookie)

  async doPostAction(user: UserRecord, postId: string, actionId: string, selectedOption: string): Promise<ActionExecution> {
    try {
      return await this.doPostActionInner(user, postId, actionId, selectedOption);
    } catch (err) {
      if (err instanceof ApiError) {
        return {status: err.status, body: errorBody(err, '')};
      }
      throw err;
    }
  }

  private async doPostActionInner(user: UserRecord, postId: string, actionId: string, selectedOption: string): Promise<ActionExecution> {
    if (!/^[A-Za-z0-9]+$/.test(actionId)) {
      throw new ApiError(404, 'api.context.404.app_error', 'Sorry, we could not find the page.', `There doesn't appear to be an api call for the url='/api/v4/posts/${postId}/actions/${actionId}'.`);
    }
    const post = this.posts.get(postId);
    const channel = post ? this.channels.get(post.channel_id) : undefined;
    if (!post || !channel || post.delete_at !== 0 || !this.canReadChannel(user, channel)) {
      throw forbidden(user.profile.id, 'read_channel');
    }
    let action: JsonObject | undefined;
    for (const attachment of attachmentsOf(post.props)) {
      const actions = isJsonObject(attachment) && Array.isArray(attachment.actions) ? attachment.actions : [];
      action ??= actions.find((a): a is JsonObject => isJsonObject(a) && a.id === actionId);
    }
    const integration = action && isJsonObject(action.integration) ? action.integration : undefined;
    if (!action || !integration || typeof integration.url !== 'string') {
      throw new ApiError(404, 'api.post.do_action.action_id.app_error', 'Invalid action id.', '');
    }
    const team = this.teams.get(channel.team_id);
    const {clientTriggerId, triggerId} = this.generateTriggerId(user.profile.id);
    const context: JsonObject = isJsonObject(integration.context) ? toJsonObject(integration.context) : {};
    const actionType = typeof action.type === 'string' ? action.type : '';
    const dataSource = typeof action.data_source === 'string' ? action.data_source : '';
    if (actionType === 'select' && selectedOption !== '') {
      context.selected_option = selectedOption;
    }
    const payload: JsonObject = {
      user_id: user.profile.id, user_name: user.profile.username, channel_id: channel.id, channel_name: channel.name,
      team_id: channel.team_id, team_domain: team?.name ?? '', post_id: post.id, trigger_id: triggerId,
      type: actionType, data_source: dataSource,
    };
    if (Object.keys(context).length > 0) {
      payload.context = sortKeysDeep(context);
    }
    const body = goJson(payload);
    const request: OutgoingRequest = {kind: 'post_action', method: 'POST', url: integration.url, headers: actionHeaders(body), body};
    const call = await this.callIntegration(request);
    const failed = (detail: string): ActionExecution => ({
      status: 400,
      body: errorBody(new ApiError(400, 'api.post.do_action.action_integration.app_error', 'Action integration error.', detail), ''),
      request,
    });
    if (call.error !== undefined || !call.result) {
      return failed(`err=${call.error ?? 'no response'}`);
    }
    if (call.result.status !== 200) {
      return failed(`status=${call.result.status}`);
    }
    let response: JsonObject = {};
    if (call.result.body.trim() !== '') {
      try {
        response = toJsonObject(JSON.parse(call.result.body));
      } catch {
        return failed('err=invalid JSON in response');
      }
    }
    const parsed = actionResponseSchema.safeParse(response);
    if (!parsed.success) {
      return failed(`err=${parsed.error.message}`);
    }
    const out: ActionExecution = {status: 200, body: {status: 'OK', trigger_id: clientTriggerId}, request, response};
    const update = parsed.data.update;
    if (update) {
      const current = this.posts.get(post.id) ?? post;
      let props = current.props;
      if (update.props) {
        props = toJsonObject(update.props);
        for (const key of ['from_webhook', 'override_username', 'override_icon_url']) {
          const v = current.props[key];
          if (v === undefined) {
            delete props[key];
          } else {
            props[key] = v;
          }
        }
      }
      const next: Post = {...current, message: update.message ?? '', props};
      this.validatePost(next);
      this.generateActionIds(next.props);
      const t = this.now();
      next.update_at = t;
      next.edit_at = t;
      this.posts.set(post.id, next);
      this.publishEdited(next);
      out.update = this.postWire(next);
    }
    const ephemeralText = parsed.data.ephemeral_text;
    if (ephemeralText) {
      const message = parsed.data.skip_slack_parsing ? ephemeralText : slackToMarkdown(ephemeralText);
      out.ephemeral = this.sendEphemeral(user.profile.id, {channel_id: channel.id, message, root_id: post.root_id, user_id: user.profile.id});
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Dialogs

  openDialog(input: {trigger_id: string; url: string; dialog: JsonObject}): void {
    if (input.url === '') {
      throw invalidParam('url');
    }
    const {userId} = this.decodeTriggerId(input.trigger_id);
    const record: DialogOpenRecord = {
      userId, triggerId: input.trigger_id, url: input.url, dialog: input.dialog, problems: dialogProblems(input.dialog), at: this.now(),
    };
    this.dialogs.push(record);
    this.hub.publish('open_dialog', {dialog: goJson({trigger_id: input.trigger_id, url: input.url, dialog: input.dialog})}, {user_id: userId}, [userId]);
  }

  async submitDialog(user: UserRecord, s: DialogSubmission): Promise<DialogExecution> {
    if (!s.url) {
      return {status: 400, body: errorBody(invalidParam('url'), '')};
    }
    const payload: JsonObject = {
      type: 'dialog_submission',
      callback_id: s.callback_id ?? '',
      state: s.state ?? '',
      user_id: user.profile.id,
      channel_id: s.channel_id ?? '',
      team_id: s.team_id ?? '',
      submission: s.cancelled ? {} : sortKeysDeep(s.submission ?? {}),
      cancelled: s.cancelled === true,
    };
    const body = goJson(payload);
    const request: OutgoingRequest = {kind: 'dialog_submission', method: 'POST', url: s.url, headers: actionHeaders(body), body};
    const call = await this.callIntegration(request);
    if (call.error !== undefined || !call.result || call.result.status !== 200) {
      const detail = call.error ?? `status=${call.result?.status ?? 0}`;
      return {status: 400, body: errorBody(new ApiError(400, 'api.post.do_action.action_integration.app_error', 'Action integration error.', detail), ''), request};
    }
    let response: JsonObject = {};
    if (call.result.body.trim() !== '') {
      try {
        response = toJsonObject(JSON.parse(call.result.body));
      } catch {
        return {status: 400, body: errorBody(new ApiError(400, 'api.post.do_action.action_integration.app_error', 'Action integration error.', 'invalid JSON'), ''), request};
      }
    }
    const type = response.type;
    if (type !== undefined && type !== null && type !== '' && type !== 'ok' && type !== 'form' && type !== 'navigate') {
      return {status: 400, body: errorBody(new ApiError(400, 'app.submit_interactive_dialog.invalid_response_type', 'Invalid response type.', ''), ''), request, response};
    }
    return {status: 200, body: response, request, response};
  }
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n <= 255)
    ? parts.reduce((acc, n) => acc * 256 + n, 0)
    : undefined;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText] = cidr.split('/');
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    return false;
  }
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

const RESERVED_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'];

/**
 * httpservice.MakeClient(false): loopback/private/reserved addresses are refused unless listed in
 * AllowedUntrustedInternalConnections (CONTRACTS §2.6). Host names are not resolved here: `localhost`
 * and IP literals are what tests use.
 */
export function untrustedRefusal(url: string, allowed: string[]): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return `invalid URL ${url}`;
  }
  const ipv6Internal = host.includes(':') && (host === '::1' || /^f[cd]/.test(host) || /^fe80:/.test(host));
  const internal = host === 'localhost' || ipv6Internal
    || RESERVED_V4.some((c) => inCidr(host, c));
  if (!internal || allowed.some((entry) => entry.toLowerCase() === host || inCidr(host, entry))) {
    return undefined;
  }
  return 'address forbidden, you may need to set AllowedUntrustedInternalConnections to allow an integration access to your internal network';
}

export function errorBody(err: ApiError, requestId: string): JsonObject {
  return {id: err.id, message: err.message, detailed_error: err.detailed, request_id: requestId, status_code: err.status};
}

function parseHashtags(message: string): string {
  const tags = message.split(/\s+/).filter((w) => /^#[A-Za-z][A-Za-z0-9_.-]{2,}$/.test(w));
  return [...new Set(tags)].join(' ');
}

function slackAttachment(att: JsonValue): JsonValue {
  if (!isJsonObject(att)) {
    return att;
  }
  const out: JsonObject = {...att};
  for (const key of ['text', 'pretext', 'title', 'fallback']) {
    const v = out[key];
    if (typeof v === 'string') {
      out[key] = slackToMarkdown(v);
    }
  }
  return out;
}

/** model.CommandResponseFromHTTPBody: JSON when the media type is application/json, else text. */
export function parseCommandResponse(contentType: string, body: string): JsonObject {
  const media = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (media === 'application/json') {
    const parsed: unknown = JSON.parse(body);
    if (!isJsonObject(toJson(parsed))) {
      throw new Error('command response is not a JSON object');
    }
    return toJsonObject(parsed);
  }
  return {text: body};
}

/** The CommandResponse as 5.37 returns it from /commands/execute (every key present). */
export function commandResponseWire(r: JsonObject): JsonObject {
  const s = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
  return {
    response_type: s(r.response_type),
    text: s(r.text),
    username: s(r.username),
    channel_id: s(r.channel_id),
    icon_url: s(r.icon_url),
    type: s(r.type),
    props: isJsonObject(r.props) ? r.props : null,
    goto_location: s(r.goto_location),
    trigger_id: s(r.trigger_id),
    skip_slack_parsing: r.skip_slack_parsing === true,
    attachments: Array.isArray(r.attachments) ? r.attachments : null,
    extra_responses: Array.isArray(r.extra_responses) ? r.extra_responses : null,
  };
}

/** Dialog checks of CONTRACTS §2.5 (5.37 still opens an invalid dialog; problems are recorded). */
export function dialogProblems(dialog: JsonObject): string[] {
  const problems: string[] = [];
  const title = typeof dialog.title === 'string' ? dialog.title : '';
  if (runeLength(title) < 1 || runeLength(title) > 24) {
    problems.push(`title must be 1..24 characters (got ${runeLength(title)})`);
  }
  const elements = Array.isArray(dialog.elements) ? dialog.elements : [];
  const names = new Set<string>();
  const types = ['text', 'textarea', 'select', 'bool', 'radio', 'date', 'datetime'];
  elements.forEach((el, i) => {
    if (!isJsonObject(el)) {
      problems.push(`elements[${i}] is not an object`);
      return;
    }
    const name = typeof el.name === 'string' ? el.name : '';
    const displayName = typeof el.display_name === 'string' ? el.display_name : '';
    const type = typeof el.type === 'string' ? el.type : '';
    if (runeLength(displayName) > 24 || displayName === '') {
      problems.push(`elements[${i}].display_name must be 1..24 characters`);
    }
    if (name === '' || runeLength(name) > 300) {
      problems.push(`elements[${i}].name must be 1..300 characters`);
    }
    if (names.has(name)) {
      problems.push(`elements[${i}].name ${name} is not unique`);
    }
    names.add(name);
    if (!types.includes(type)) {
      problems.push(`elements[${i}].type ${type} is not one of ${types.join('|')}`);
    }
    if (typeof el.help_text === 'string' && runeLength(el.help_text) > 150) {
      problems.push(`elements[${i}].help_text exceeds 150 characters`);
    }
    const limit = type === 'textarea' || type === 'select' ? 3000 : 150;
    for (const key of ['default', 'placeholder']) {
      const v = el[key];
      if (typeof v === 'string' && runeLength(v) > limit) {
        problems.push(`elements[${i}].${key} exceeds ${limit} characters`);
      }
    }
    if (typeof el.max_length === 'number' && el.max_length > limit) {
      problems.push(`elements[${i}].max_length exceeds ${limit}`);
    }
    if ((type === 'select' || type === 'radio') && el.data_source === undefined && !Array.isArray(el.options)) {
      problems.push(`elements[${i}] (${type}) needs options or data_source`);
    }
  });
  return problems;
}
