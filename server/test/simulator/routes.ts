// REST routes of the simulated Mattermost 5.37 server (/api/v4/... and the response_url hook).
import type http from 'node:http';
import busboy from 'busboy';
import {z} from 'zod';
import {errorBody, type Core, type UserRecord} from './core';
import {ApiError, forbidden, invalidParam, invalidUrlParam} from './errors';
import {fileInfoToWire, isJsonObject, newId, runeLength, type Command, type JsonObject, type JsonValue, type Post} from './wire';

export interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  contentType: string;
  json: JsonValue | undefined;
  user: UserRecord | undefined;
  token: string | undefined;
}

export type Reply =
  | {kind: 'json'; status: number; body: JsonValue}
  | {kind: 'text'; status: number; body: string; contentType: string; headers?: Record<string, string>}
  | {kind: 'raw'; status: number; body: Buffer; headers: Record<string, string>}
  | {kind: 'drop'};

export interface Route {
  method: string;
  re: RegExp;
  auth: boolean;
  handle: (ctx: Ctx, params: string[]) => Reply | Promise<Reply>;
}

const json = (status: number, body: JsonValue): Reply => ({kind: 'json', status, body});
const ok = (): Reply => json(200, {status: 'OK'});

function parse<T extends z.ZodType>(ctx: Ctx, schema: T, name: string): z.infer<T> {
  const result = schema.safeParse(ctx.json);
  if (!result.success) {
    throw invalidParam(name);
  }
  return result.data;
}

function me(ctx: Ctx): UserRecord {
  if (!ctx.user) {
    throw new ApiError(401, 'api.context.session_expired.app_error', 'Invalid or expired session, please login again.', 'token=');
  }
  return ctx.user;
}

const ID = '([A-Za-z0-9]+)';
const p = (pattern: string): RegExp => new RegExp(`^/api/v4${pattern}$`);

function jsonObject(value: unknown): JsonObject {
  const v = JSON.parse(JSON.stringify(value ?? {})) as JsonValue;
  return isJsonObject(v) ? v : {};
}

const propsSchema = z.record(z.string(), z.unknown());

export function buildRoutes(core: Core): Route[] {
  const userParam = (ctx: Ctx, raw: string): UserRecord => {
    const id = raw === 'me' ? me(ctx).profile.id : raw;
    if (!/^[a-z0-9]{26}$/.test(id)) {
      throw invalidUrlParam('user_id');
    }
    const u = core.userById(id);
    if (!u) {
      throw new ApiError(404, 'app.user.missing_account.const', 'Unable to find the user.', `resource: User id: ${id}`);
    }
    return u;
  };

  const channelFor = (ctx: Ctx, id: string, permission = 'read_channel'): {channel: NonNullable<ReturnType<typeof core.channels.get>>; user: UserRecord} => {
    const user = me(ctx);
    const channel = core.channels.get(id);
    if (!channel) {
      if (user.systemAdmin) {
        throw new ApiError(404, 'app.channel.get.existing.app_error', 'Unable to find the existing channel.', `resource: Channel id: ${id}`);
      }
      throw forbidden(user.profile.id, permission);
    }
    if (!core.canReadChannel(user, channel)) {
      throw forbidden(user.profile.id, permission);
    }
    return {channel, user};
  };

  const postFor = (ctx: Ctx, id: string): {post: Post; user: UserRecord} => {
    const user = me(ctx);
    const post = core.posts.get(id);
    if (!post || post.delete_at !== 0) {
      throw new ApiError(404, 'app.post.get.app_error', 'Unable to get the post.', '');
    }
    const channel = core.channels.get(post.channel_id);
    if (!channel || !core.canReadChannel(user, channel)) {
      throw forbidden(user.profile.id, 'read_channel');
    }
    return {post, user};
  };

  const postList = (posts: Post[]): JsonObject => {
    const sorted = [...posts].sort((a, b) => b.create_at - a.create_at);
    const map: JsonObject = {};
    for (const post of sorted) {
      map[post.id] = core.postWire(post);
    }
    return {order: sorted.map((x) => x.id), posts: map, next_post_id: '', prev_post_id: ''};
  };

  const requireAdmin = (ctx: Ctx, permission: string): UserRecord => {
    const user = me(ctx);
    if (!user.systemAdmin) {
      throw forbidden(user.profile.id, permission);
    }
    return user;
  };

  const commandFor = (ctx: Ctx, id: string): Command => {
    const user = requireAdmin(ctx, 'manage_slash_commands');
    const command = core.commands.get(id);
    if (!command || command.delete_at !== 0) {
      throw new ApiError(404, 'app.command.getcommand.app_error', 'Unable to get the command.', `resource: Command id: ${id}, userId=${user.profile.id}`);
    }
    return command;
  };

  const commandSchema = z.object({
    id: z.string().optional(),
    team_id: z.string().default(''),
    trigger: z.string().default(''),
    method: z.string().default(''),
    url: z.string().default(''),
    username: z.string().default(''),
    icon_url: z.string().default(''),
    auto_complete: z.boolean().default(false),
    auto_complete_desc: z.string().default(''),
    auto_complete_hint: z.string().default(''),
    display_name: z.string().default(''),
    description: z.string().default(''),
  });

  const routes: Route[] = [
    {method: 'GET', re: p('/system/ping'), auth: false, handle: () => json(200, {status: 'OK'})},

    // ----- users & bots
    {method: 'GET', re: p('/users/username/([A-Za-z0-9_\\-.]+)'), auth: true, handle: (_ctx, [username = '']) => {
      const u = core.userByUsername(username);
      if (!u) {
        throw new ApiError(404, 'app.user.get_by_username.app_error',
          'Unable to find an existing account matching your username for this team. This team may require an invite from the team owner to join.',
          `resource: User id: username=${username}`);
      }
      return json(200, core.userToWire(u));
    }},
    {method: 'POST', re: p('/users/ids'), auth: true, handle: (ctx) => {
      const ids = parse(ctx, z.array(z.string()), 'user_ids');
      if (ids.length === 0) {
        throw invalidParam('user_ids');
      }
      return json(200, ids.flatMap((id) => {
        const u = core.userById(id);
        return u ? [core.userToWire(u)] : [];
      }));
    }},
    {method: 'POST', re: p('/users/usernames'), auth: true, handle: (ctx) => {
      const names = parse(ctx, z.array(z.string()), 'usernames');
      return json(200, names.flatMap((n) => {
        const u = core.userByUsername(n);
        return u ? [core.userToWire(u)] : [];
      }));
    }},
    {method: 'GET', re: p(`/users/${ID}/teams/members`), auth: true, handle: (ctx, [id = '']) => {
      const actor = me(ctx);
      const target = userParam(ctx, id);
      if (target.profile.id !== actor.profile.id && !actor.systemAdmin) {
        throw forbidden(actor.profile.id, 'manage_system');
      }
      return json(200, [...core.teamMembers.values()].flatMap((m) => {
        const member = m.get(target.profile.id);
        return member ? [jsonObject(member)] : [];
      }));
    }},
    {method: 'POST', re: p(`/users/${ID}/tokens`), auth: true, handle: (ctx, [id = '']) => {
      const actor = me(ctx);
      if (!actor.systemAdmin) {
        throw forbidden(actor.profile.id, 'create_user_access_token');
      }
      const target = userParam(ctx, id);
      const body = parse(ctx, z.object({description: z.string().default('')}), 'description');
      if (body.description === '' || runeLength(body.description) > 255) {
        throw new ApiError(400, 'model.user_access_token.is_valid.description.app_error', 'Invalid description, must be 255 or less characters', '');
      }
      const t = core.issueToken(target.profile.id, body.description);
      return json(200, {id: t.id, token: t.token, user_id: t.user_id, description: t.description, is_active: t.is_active});
    }},
    {method: 'GET', re: p(`/users/${ID}/teams`), auth: true, handle: (ctx, [id = '']) => {
      const actor = me(ctx);
      const target = userParam(ctx, id);
      if (target.profile.id !== actor.profile.id && !actor.systemAdmin) {
        throw forbidden(actor.profile.id, 'manage_system');
      }
      return json(200, [...core.teams.values()].filter((t) => core.isTeamMember(t.id, target.profile.id)).map((t) => jsonObject(t)));
    }},
    {method: 'GET', re: p(`/users/${ID}`), auth: true, handle: (ctx, [id = '']) => json(200, core.userToWire(userParam(ctx, id)))},
    {method: 'POST', re: p('/bots'), auth: true, handle: (ctx) => {
      const actor = requireAdmin(ctx, 'create_bot');
      const body = parse(ctx, z.object({username: z.string(), display_name: z.string().default(''), description: z.string().default('')}), 'bot');
      const username = body.username.toLowerCase();
      if (!/^[a-z][a-z0-9.\-_]{2,21}$/.test(username)) {
        throw new ApiError(400, 'model.user.is_valid.username.app_error', 'Username must begin with a letter, and contain between 3 to 22 lowercase characters made up of numbers, letters, and the symbols \'.\', \'-\', and \'_\'.', `user_id=`);
      }
      const rec = core.addUser(username, {bot: {displayName: body.display_name, description: body.description, ownerId: actor.profile.id}});
      return json(201, jsonObject(rec.bot));
    }},
    ...(['enable', 'disable'] as const).map((what): Route => ({method: 'POST', re: p(`/bots/${ID}/${what}`), auth: true, handle: (ctx, [id = '']) => {
      requireAdmin(ctx, 'manage_bots');
      const rec = core.userById(id);
      if (!rec?.bot) {
        throw new ApiError(404, 'store.sql_bot.get.missing.app_error', 'Bot does not exist.', `resource: Bot id: ${id}`);
      }
      const t = core.now();
      rec.bot.delete_at = what === 'disable' ? t : 0;
      rec.bot.update_at = t;
      rec.profile.delete_at = rec.bot.delete_at;
      return json(200, jsonObject(rec.bot));
    }})),
    {method: 'GET', re: p(`/bots/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      requireAdmin(ctx, 'read_bots');
      const rec = core.userById(id);
      if (!rec?.bot || (rec.bot.delete_at !== 0 && ctx.query.get('include_deleted') !== 'true')) {
        throw new ApiError(404, 'store.sql_bot.get.missing.app_error', 'Bot does not exist.', `resource: Bot id: ${id}`);
      }
      return json(200, jsonObject(rec.bot));
    }},
    {method: 'GET', re: p('/bots'), auth: true, handle: (ctx) => {
      requireAdmin(ctx, 'read_bots');
      const page = Number(ctx.query.get('page') ?? '0');
      const perPage = Number(ctx.query.get('per_page') ?? '60');
      const bots = [...core.users.values()].flatMap((u) => (u.bot ? [jsonObject(u.bot)] : []));
      return json(200, bots.slice(page * perPage, page * perPage + perPage));
    }},

    // ----- teams
    {method: 'GET', re: p('/teams/name/([A-Za-z0-9_-]+)'), auth: true, handle: (ctx, [name = '']) => {
      const user = me(ctx);
      const team = core.teamByName(name);
      if (!team) {
        throw new ApiError(404, 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.', `resource: Team id: name=${name}`);
      }
      if (!user.systemAdmin && !core.isTeamMember(team.id, user.profile.id) && !team.allow_open_invite) {
        throw forbidden(user.profile.id, 'view_team');
      }
      return json(200, jsonObject(team));
    }},
    {method: 'GET', re: p(`/teams/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const user = me(ctx);
      const team = core.teams.get(id);
      if (!user.systemAdmin && !(team && core.isTeamMember(team.id, user.profile.id))) {
        throw forbidden(user.profile.id, 'view_team');
      }
      if (!team) {
        throw new ApiError(404, 'app.team.get.find.app_error', 'Unable to find the existing team.', `resource: Team id: ${id}`);
      }
      return json(200, jsonObject(team));
    }},
    {method: 'GET', re: p(`/teams/${ID}/members/${ID}`), auth: true, handle: (ctx, [teamId = '', uid = '']) => {
      const user = me(ctx);
      if (!user.systemAdmin && !core.isTeamMember(teamId, user.profile.id)) {
        throw forbidden(user.profile.id, 'view_team');
      }
      const userId = uid === 'me' ? user.profile.id : uid;
      const m = core.teamMembers.get(teamId)?.get(userId);
      if (!m) {
        throw new ApiError(404, 'app.team.get_member.missing.app_error', 'No team member found for that user ID and team ID.', `resource: TeamMember id: teamId=${teamId}, userId=${userId}`);
      }
      return json(200, jsonObject(m));
    }},
    {method: 'POST', re: p(`/teams/${ID}/members`), auth: true, handle: (ctx, [teamId = '']) => {
      const body = parse(ctx, z.object({team_id: z.string(), user_id: z.string()}), 'team_member');
      if (body.team_id !== teamId) {
        throw invalidParam('team_id');
      }
      requireAdmin(ctx, 'add_user_to_team');
      if (!core.userById(body.user_id)) {
        throw new ApiError(400, 'app.user.missing_account.const', 'Unable to find the user.', `resource: User id: ${body.user_id}`);
      }
      return json(201, jsonObject(core.addTeamMember(teamId, body.user_id)));
    }},

    // ----- channels
    {method: 'POST', re: p('/channels/direct'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      const ids = parse(ctx, z.array(z.string()), 'user_ids');
      if (ids.length !== 2) {
        throw new ApiError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_ids in request body.', '');
      }
      const [a = '', b = ''] = ids;
      if (a !== user.profile.id && b !== user.profile.id && !user.systemAdmin) {
        throw forbidden(user.profile.id, 'manage_system');
      }
      if (!core.userById(a) || !core.userById(b)) {
        throw new ApiError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing user_id in request body.', '');
      }
      return json(201, jsonObject(core.directChannel(user, a, b)));
    }},
    {method: 'POST', re: p('/channels'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      const body = parse(ctx, z.object({
        team_id: z.string().default(''),
        name: z.string().default(''),
        display_name: z.string().default(''),
        type: z.string().default('O'),
        purpose: z.string().default(''),
        header: z.string().default(''),
      }), 'channel');
      if (body.team_id === '') {
        throw invalidParam('team_id');
      }
      const permission = body.type === 'P' ? 'create_private_channel' : 'create_public_channel';
      if (!core.teams.has(body.team_id) || !core.isTeamMember(body.team_id, user.profile.id)) {
        throw forbidden(user.profile.id, permission);
      }
      if (body.type === 'D' || body.type === 'G') {
        throw new ApiError(400, 'api.channel.create_channel.direct_channel.app_error', 'Must use createDirectChannel API service for direct message channel creation.', '');
      }
      const channel = core.createChannel(user, body);
      return json(201, jsonObject(channel));
    }},
    {method: 'GET', re: p(`/teams/${ID}/channels/name/([A-Za-z0-9_\\-]+)`), auth: true, handle: (ctx, [teamId = '', name = '']) => {
      const user = me(ctx);
      if (!user.systemAdmin && !core.isTeamMember(teamId, user.profile.id)) {
        throw forbidden(user.profile.id, 'view_team');
      }
      const channel = core.channelByName(teamId, name);
      if (!channel || !core.canReadChannel(user, channel)) {
        throw new ApiError(404, 'app.channel.get_by_name.missing.app_error', 'Unable to find the existing channel.', `teamId=${teamId}, name=${name}`);
      }
      return json(200, jsonObject(channel));
    }},
    {method: 'GET', re: p('/teams/name/([A-Za-z0-9_-]+)/channels/name/([A-Za-z0-9_\\-]+)'), auth: true, handle: (ctx, [teamName = '', name = '']) => {
      const user = me(ctx);
      const team = core.teamByName(teamName);
      if (!team || (!user.systemAdmin && !core.isTeamMember(team.id, user.profile.id))) {
        throw new ApiError(404, 'app.team.get_by_name.missing.app_error', 'Unable to find the existing team.', `resource: Team id: name=${teamName}`);
      }
      const channel = core.channelByName(team.id, name);
      if (!channel || !core.canReadChannel(user, channel)) {
        throw new ApiError(404, 'app.channel.get_by_name.missing.app_error', 'Unable to find the existing channel.', `teamId=${team.id}, name=${name}`);
      }
      return json(200, jsonObject(channel));
    }},
    ...(['PUT', 'PATCH'] as const).map((method): Route => ({method, re: p(`/channels/${ID}/patch`), auth: true, handle: (ctx, [id = '']) => {
      const {channel, user} = channelFor(ctx, id, 'manage_private_channel_properties');
      if (!user.systemAdmin && !core.isChannelMember(channel.id, user.profile.id)) {
        throw forbidden(user.profile.id, channel.type === 'P' ? 'manage_private_channel_properties' : 'manage_public_channel_properties');
      }
      const body = parse(ctx, z.object({
        display_name: z.string().optional(), name: z.string().optional(), header: z.string().optional(), purpose: z.string().optional(),
      }), 'channel');
      return json(200, jsonObject(core.patchChannel(user, channel, body)));
    }})),
    {method: 'GET', re: p(`/channels/${ID}`), auth: true, handle: (ctx, [id = '']) => json(200, jsonObject(channelFor(ctx, id).channel))},
    {method: 'POST', re: p(`/channels/${ID}/members`), auth: true, handle: (ctx, [id = '']) => {
      const body = parse(ctx, z.object({
        user_id: z.string().optional(), user_ids: z.array(z.string()).optional(), post_root_id: z.string().optional(),
      }), 'user_id');
      const user = me(ctx);
      const channel = core.channels.get(id);
      const permission = channel?.type === 'O' ? 'manage_public_channel_members' : 'manage_private_channel_members';
      if (!channel || !(user.systemAdmin || core.isChannelMember(channel.id, user.profile.id)
        || (channel.type === 'O' && body.user_id === user.profile.id && core.isTeamMember(channel.team_id, user.profile.id)))) {
        throw forbidden(user.profile.id, permission);
      }
      if (body.user_ids && body.user_ids.length > 0) {
        return json(201, body.user_ids.map((uid) => jsonObject(core.addChannelMember(user, channel, uid, body.post_root_id ?? ''))));
      }
      if (!body.user_id) {
        throw invalidParam('user_id or user_ids');
      }
      return json(201, jsonObject(core.addChannelMember(user, channel, body.user_id, body.post_root_id ?? '')));
    }},
    {method: 'GET', re: p(`/channels/${ID}/members`), auth: true, handle: (ctx, [id = '']) => {
      const {channel} = channelFor(ctx, id);
      return json(200, [...(core.channelMembers.get(channel.id)?.values() ?? [])].map((m) => jsonObject(m)));
    }},
    {method: 'GET', re: p(`/channels/${ID}/members/${ID}`), auth: true, handle: (ctx, [id = '', uid = '']) => {
      const {channel} = channelFor(ctx, id);
      const userId = uid === 'me' ? me(ctx).profile.id : uid;
      const m = core.channelMembers.get(channel.id)?.get(userId);
      if (!m) {
        throw new ApiError(404, 'app.channel.get_member.missing.app_error', 'No channel member found for that user ID and channel ID.', `channel_id=${channel.id}, user_id=${userId}`);
      }
      return json(200, jsonObject(m));
    }},
    {method: 'DELETE', re: p(`/channels/${ID}/members/${ID}`), auth: true, handle: (ctx, [id = '', uid = '']) => {
      const {channel, user} = channelFor(ctx, id, 'manage_private_channel_members');
      const userId = uid === 'me' ? user.profile.id : uid;
      if (!user.systemAdmin && userId !== user.profile.id && !core.isChannelMember(channel.id, user.profile.id)) {
        throw forbidden(user.profile.id, channel.type === 'O' ? 'manage_public_channel_members' : 'manage_private_channel_members');
      }
      core.removeChannelMember(user, channel, userId);
      return ok();
    }},
    {method: 'DELETE', re: p(`/channels/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const {channel, user} = channelFor(ctx, id, 'delete_private_channel');
      if (!user.systemAdmin && !core.isChannelMember(channel.id, user.profile.id)) {
        throw forbidden(user.profile.id, channel.type === 'O' ? 'delete_public_channel' : 'delete_private_channel');
      }
      if (channel.type === 'D' || channel.type === 'G') {
        throw new ApiError(400, 'api.channel.delete_channel.type.invalid', 'Unable to delete direct or group message channels', '');
      }
      core.archiveChannel(user, channel);
      return ok();
    }},
    {method: 'GET', re: p(`/channels/${ID}/posts`), auth: true, handle: (ctx, [id = '']) => {
      const {channel} = channelFor(ctx, id);
      const page = Number(ctx.query.get('page') ?? '0');
      const perPage = Number(ctx.query.get('per_page') ?? '60');
      const since = Number(ctx.query.get('since') ?? '0');
      let posts = [...core.posts.values()].filter((x) => x.channel_id === channel.id && (since > 0 ? x.update_at > since : x.delete_at === 0));
      posts.sort((a, b) => b.create_at - a.create_at);
      if (since === 0) {
        posts = posts.slice(page * perPage, page * perPage + perPage);
      }
      return json(200, postList(posts));
    }},
    {method: 'GET', re: p(`/channels/${ID}/pinned`), auth: true, handle: (ctx, [id = '']) => {
      const {channel} = channelFor(ctx, id);
      return json(200, postList([...core.posts.values()].filter((x) => x.channel_id === channel.id && x.is_pinned && x.delete_at === 0)));
    }},

    // ----- posts
    {method: 'POST', re: p('/posts/ephemeral'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      if (!user.systemAdmin) {
        throw forbidden(user.profile.id, 'create_post_ephemeral');
      }
      const body = parse(ctx, z.object({
        user_id: z.string(),
        post: z.object({channel_id: z.string(), message: z.string().default(''), root_id: z.string().optional(), props: propsSchema.optional()}),
      }), 'ephemeral_post');
      if (!core.channels.has(body.post.channel_id)) {
        throw invalidParam('channel_id');
      }
      return json(201, core.sendEphemeral(body.user_id, {
        channel_id: body.post.channel_id, message: body.post.message, root_id: body.post.root_id ?? '',
        props: jsonObject(body.post.props ?? {}), user_id: user.profile.id,
      }));
    }},
    {method: 'POST', re: p('/posts'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      const body = parse(ctx, z.object({
        channel_id: z.string().default(''),
        message: z.string().default(''),
        root_id: z.string().optional(),
        type: z.string().optional(),
        props: propsSchema.optional().nullable(),
        file_ids: z.array(z.string()).optional().nullable(),
      }), 'post');
      const channel = core.channels.get(body.channel_id);
      if (!channel || !core.isChannelMember(channel.id, user.profile.id)) {
        if (!(channel && user.systemAdmin)) {
          throw forbidden(user.profile.id, 'create_post');
        }
      }
      const post = core.createPost(user, {
        channel_id: body.channel_id, message: body.message, root_id: body.root_id ?? '', type: body.type ?? '',
        props: jsonObject(body.props ?? {}), file_ids: body.file_ids ?? [],
      });
      return json(201, core.postWire(post));
    }},
    {method: 'GET', re: p(`/posts/${ID}`), auth: true, handle: (ctx, [id = '']) => json(200, core.postWire(postFor(ctx, id).post))},
    {method: 'DELETE', re: p(`/posts/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const {post, user} = postFor(ctx, id);
      if (post.user_id !== user.profile.id && !user.systemAdmin) {
        throw forbidden(user.profile.id, 'delete_others_posts');
      }
      core.deletePost(post);
      return ok();
    }},
    {method: 'PUT', re: p(`/posts/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const {post, user} = postFor(ctx, id);
      if (post.user_id !== user.profile.id && !user.systemAdmin) {
        throw forbidden(user.profile.id, 'edit_others_posts');
      }
      const body = parse(ctx, z.object({id: z.string(), message: z.string().default(''), props: propsSchema.optional().nullable()}), 'post');
      if (body.id !== id) {
        throw invalidParam('id');
      }
      // UpdatePost(safeUpdate=true): message and props; pin state and files are kept.
      const next = core.patchPost(post, {message: body.message, props: jsonObject(body.props ?? {})});
      return next === 'drop' ? {kind: 'drop'} : json(200, core.postWire(next));
    }},
    {method: 'GET', re: p(`/posts/${ID}/thread`), auth: true, handle: (ctx, [id = '']) => {
      const {post} = postFor(ctx, id);
      const rootId = post.root_id || post.id;
      return json(200, postList([...core.posts.values()].filter((x) => (x.id === rootId || x.root_id === rootId) && x.delete_at === 0)));
    }},
    {method: 'GET', re: p(`/posts/${ID}/files/info`), auth: true, handle: (ctx, [id = '']) => {
      const {post} = postFor(ctx, id);
      return json(200, post.file_ids.flatMap((fid) => {
        const f = core.fileData(fid);
        return f ? [fileInfoToWire(f.info)] : [];
      }));
    }},
    {method: 'PUT', re: p(`/posts/${ID}/patch`), auth: true, handle: (ctx, [id = '']) => {
      const {post, user} = postFor(ctx, id);
      if (post.user_id !== user.profile.id && !user.systemAdmin) {
        throw forbidden(user.profile.id, 'edit_others_posts');
      }
      const body = parse(ctx, z.object({
        message: z.string().optional(),
        is_pinned: z.boolean().optional(),
        props: propsSchema.optional().nullable(),
        file_ids: z.array(z.string()).optional().nullable(),
        has_reactions: z.boolean().optional(),
      }), 'post');
      const next = core.patchPost(post, {
        message: body.message, is_pinned: body.is_pinned, props: body.props ? jsonObject(body.props) : null,
        file_ids: body.file_ids ?? undefined,
      });
      if (next === 'drop') {
        return {kind: 'drop'};
      }
      return json(200, core.postWire(next));
    }},
    ...(['pin', 'unpin'] as const).map((what): Route => ({method: 'POST', re: p(`/posts/${ID}/${what}`), auth: true, handle: (ctx, [id = '']) => {
      const {post} = postFor(ctx, id);
      core.setPinned(post, what === 'pin');
      return ok();
    }})),
    {method: 'POST', re: p(`/posts/${ID}/actions/([^/]+)`), auth: true, handle: async (ctx, [postId = '', actionId = '']) => {
      const body = ctx.raw.length === 0 ? {} : parse(ctx, z.object({selected_option: z.string().optional(), cookie: z.string().optional()}), 'action');
      const result = await core.doPostAction(me(ctx), postId, decodeURIComponent(actionId), body.selected_option ?? '');
      return json(result.status, result.body);
    }},

    // ----- commands
    {method: 'POST', re: p('/commands/execute'), auth: true, handle: async (ctx) => {
      const body = parse(ctx, z.object({
        channel_id: z.string(), command: z.string(), team_id: z.string().optional(), root_id: z.string().optional(), parent_id: z.string().optional(),
      }), 'command_args');
      const result = await core.executeCommand(me(ctx), body.channel_id, body.command, {rootId: body.root_id || undefined, teamId: body.team_id});
      return json(result.status, result.body);
    }},
    {method: 'POST', re: p('/commands'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      const body = parse(ctx, commandSchema, 'command');
      if (!user.systemAdmin) {
        throw forbidden(user.profile.id, 'manage_slash_commands');
      }
      const t = core.now();
      const command: Command = {
        id: newId(), token: newId(), create_at: t, update_at: t, delete_at: 0, creator_id: user.profile.id,
        team_id: body.team_id, trigger: body.trigger.toLowerCase(), method: body.method === 'G' ? 'G' : 'P',
        username: body.username, icon_url: body.icon_url, auto_complete: body.auto_complete,
        auto_complete_desc: body.auto_complete_desc, auto_complete_hint: body.auto_complete_hint,
        display_name: body.display_name, description: body.description, url: body.url, plugin_id: '',
      };
      core.validateCommand({...command, method: body.method});
      if (!core.teams.has(command.team_id)) {
        throw forbidden(user.profile.id, 'manage_slash_commands');
      }
      core.checkTriggerUnique(command.team_id, command.trigger, command.id);
      core.commands.set(command.id, command);
      return json(201, jsonObject(command));
    }},
    {method: 'GET', re: p('/commands'), auth: true, handle: (ctx) => {
      const user = me(ctx);
      const teamId = ctx.query.get('team_id') ?? '';
      const customOnly = ctx.query.get('custom_only') === 'true';
      if (teamId === '') {
        throw invalidUrlParam('team_id');
      }
      if (!user.systemAdmin && !core.isTeamMember(teamId, user.profile.id)) {
        throw forbidden(user.profile.id, 'view_team');
      }
      if (customOnly && !user.systemAdmin) {
        throw forbidden(user.profile.id, 'manage_slash_commands');
      }
      const custom = user.systemAdmin
        ? [...core.commands.values()].filter((c) => c.team_id === teamId && c.delete_at === 0).sort((a, b) => a.create_at - b.create_at).map((c) => jsonObject(c))
        : [];
      return json(200, customOnly ? custom : [...core.builtInCommands(teamId), ...custom]);
    }},
    {method: 'GET', re: p(`/commands/${ID}`), auth: true, handle: (ctx, [id = '']) => json(200, jsonObject(commandFor(ctx, id)))},
    {method: 'PUT', re: p(`/commands/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const command = commandFor(ctx, id);
      const body = parse(ctx, commandSchema, 'command');
      if (body.id !== undefined && body.id !== id) {
        throw invalidParam('command_id');
      }
      if (body.team_id !== command.team_id) {
        throw new ApiError(400, 'api.command.team_mismatch.app_error', 'Unable to update commands across teams.', '');
      }
      const next: Command = {
        ...command,
        trigger: body.trigger.toLowerCase(), method: body.method === 'G' ? 'G' : 'P', url: body.url, username: body.username,
        icon_url: body.icon_url, auto_complete: body.auto_complete, auto_complete_desc: body.auto_complete_desc,
        auto_complete_hint: body.auto_complete_hint, display_name: body.display_name, description: body.description,
        update_at: core.now(),
      };
      core.validateCommand({...next, method: body.method});
      core.checkTriggerUnique(next.team_id, next.trigger, next.id);
      core.commands.set(id, next);
      return json(200, jsonObject(next));
    }},
    {method: 'DELETE', re: p(`/commands/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const command = commandFor(ctx, id);
      core.commands.set(id, {...command, delete_at: core.now()});
      return ok();
    }},

    // ----- dialogs
    {method: 'POST', re: p('/actions/dialogs/open'), auth: false, handle: (ctx) => {
      const body = parse(ctx, z.object({trigger_id: z.string().default(''), url: z.string().default(''), dialog: propsSchema.default({})}), 'dialog');
      core.openDialog({trigger_id: body.trigger_id, url: body.url, dialog: jsonObject(body.dialog)});
      return ok();
    }},
    {method: 'POST', re: p('/actions/dialogs/submit'), auth: true, handle: async (ctx) => {
      const body = parse(ctx, z.object({
        url: z.string().default(''), callback_id: z.string().optional(), state: z.string().optional(),
        channel_id: z.string().optional(), team_id: z.string().optional(), submission: propsSchema.optional(), cancelled: z.boolean().optional(),
      }), 'dialog');
      const result = await core.submitDialog(me(ctx), {...body, submission: jsonObject(body.submission ?? {})});
      return json(result.status, result.body);
    }},

    // ----- files
    {method: 'POST', re: p('/files'), auth: true, handle: async (ctx) => {
      const user = me(ctx);
      const uploads: Array<{name: string; data: Buffer}> = [];
      let channelId = ctx.query.get('channel_id') ?? '';
      let clientIds: string[] = [];
      if (ctx.contentType.toLowerCase().startsWith('multipart/form-data')) {
        const form = await parseMultipart(ctx);
        channelId = form.fields.get('channel_id')?.[0] ?? channelId;
        clientIds = form.fields.get('client_ids') ?? [];
        uploads.push(...form.files);
      } else {
        const filename = ctx.query.get('filename') ?? '';
        if (filename === '') {
          throw invalidUrlParam('filename');
        }
        const cid = ctx.query.get('client_id');
        if (cid) {
          clientIds = [cid];
        }
        uploads.push({name: filename, data: ctx.raw});
      }
      if (channelId === '') {
        throw invalidParam('channel_id');
      }
      const channel = core.channels.get(channelId);
      if (!channel || !(core.isChannelMember(channel.id, user.profile.id) || user.systemAdmin)) {
        throw forbidden(user.profile.id, 'upload_file');
      }
      if (uploads.length === 0) {
        throw new ApiError(400, 'api.file.upload_file.incorrect_number_of_files.app_error', 'Unable to upload files. Incorrect number of files specified.', '');
      }
      const infos = uploads.map((u) => fileInfoToWire(core.storeFile(user, u.name, u.data)));
      return json(201, {file_infos: infos, client_ids: clientIds});
    }},
    {method: 'GET', re: p(`/files/${ID}/info`), auth: true, handle: (ctx, [id = '']) => json(200, fileInfoToWire(fileFor(core, ctx, id).info))},
    {method: 'GET', re: p(`/files/${ID}`), auth: true, handle: (ctx, [id = '']) => {
      const f = fileFor(core, ctx, id);
      return {
        kind: 'raw', status: 200, body: f.data,
        headers: {
          'Content-Type': f.info.mime_type || 'application/octet-stream',
          'Content-Disposition': `attachment;filename="${f.info.name.replace(/"/g, '')}"; filename*=UTF-8''${encodeURIComponent(f.info.name)}`,
          'X-Content-Type-Options': 'nosniff',
        },
      };
    }},

    // ----- response_url (not under /api/v4)
    {method: 'POST', re: /^\/hooks\/commands\/([A-Za-z0-9]+)$/, auth: false, handle: (ctx, [id = '']) => {
      core.handleResponseUrl(id, ctx.contentType, ctx.raw.toString('utf8'));
      return {kind: 'text', status: 200, body: 'ok', contentType: 'text/plain'};
    }},
  ];
  return routes;
}

function fileFor(core: Core, ctx: Ctx, id: string): {info: ReturnType<typeof core.storeFile>; data: Buffer} {
  const user = me(ctx);
  const f = core.fileData(id);
  if (!f) {
    throw new ApiError(404, 'app.file_info.get.app_error', 'Unable to get the file info.', `resource: FileInfo id: ${id}`);
  }
  const post = f.info.post_id ? core.posts.get(f.info.post_id) : undefined;
  const allowed = f.info.user_id === user.profile.id || user.systemAdmin || (post !== undefined && core.isChannelMember(post.channel_id, user.profile.id));
  if (!allowed) {
    throw forbidden(user.profile.id, 'read_channel');
  }
  return f;
}

function parseMultipart(ctx: Ctx): Promise<{fields: Map<string, string[]>; files: Array<{name: string; data: Buffer}>}> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string[]>();
    const files: Array<{name: string; data: Buffer}> = [];
    let bb: busboy.Busboy;
    try {
      bb = busboy({headers: ctx.headers});
    } catch (err) {
      reject(new ApiError(400, 'api.file.upload_file.read_request.app_error', 'Unable to upload file(s). Error reading or parsing request data.', String(err)));
      return;
    }
    bb.on('field', (name, value) => fields.set(name, [...(fields.get(name) ?? []), value]));
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => files.push({name: info.filename || 'file', data: Buffer.concat(chunks)}));
    });
    bb.on('error', (err) => reject(new ApiError(400, 'api.file.upload_file.read_request.app_error', 'Unable to upload file(s). Error reading or parsing request data.', String(err))));
    bb.on('close', () => resolve({fields, files}));
    bb.end(ctx.raw);
  });
}

export {errorBody};
