// Wire shapes of Mattermost 5.37 (as recorded in shared/mattermost-contracts/recordings) and the small
// helpers that reproduce Go's serialisation details (26-char ids, sorted map keys, HTML-escaped JSON).
import {randomBytes} from 'node:crypto';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | {[key: string]: JsonValue};
export type JsonObject = {[key: string]: JsonValue};

export const VERSION_ID = '5.37.0..1aafb9457c4d96c37bc4c59e95c57108.false';

const ID_ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

/** model.NewId: 16 random bytes, base32 with Mattermost's alphabet, 26 chars. */
export function newId(): string {
  const bytes = randomBytes(16);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ID_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) {
    out += ID_ALPHABET[(value << (5 - bits)) & 31];
  }
  return out.slice(0, 26);
}

export function isId(value: string): boolean {
  return /^[a-z0-9]{26}$/.test(value);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go's json.Marshal: map keys sorted (structs keep field order, handled by the callers). */
export function sortKeysDeep(value: JsonValue): JsonValue {
  if (Array.isArray(value)) {
    return value.map(sortKeysDeep);
  }
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) {
      const v = value[key];
      if (v !== undefined) {
        out[key] = sortKeysDeep(v);
      }
    }
    return out;
  }
  return value;
}

/** JSON text as Go's encoder writes it (`<`, `>`, `&`, U+2028/9 escaped). */
export function goJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go's url.QueryEscape (space → '+', unreserved A-Za-z0-9-_.~ kept). */
export function goQueryEscape(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) {
      out += ch;
    } else if (ch === ' ') {
      out += '+';
    } else {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Go's url.Values.Encode: keys sorted, values in insertion order per key. */
export function goFormEncode(values: Array<[string, string]>): string {
  const keys = [...new Set(values.map(([k]) => k))].sort();
  const parts: string[] = [];
  for (const key of keys) {
    for (const [k, v] of values) {
      if (k === key) {
        parts.push(`${goQueryEscape(k)}=${goQueryEscape(v)}`);
      }
    }
  }
  return parts.join('&');
}

export function runeLength(value: string): number {
  return [...value].length;
}

// ---------------------------------------------------------------------------------------------
// Wire types (5.37 field sets, as in recordings/real-server-5.37.json)

export interface UserProfile {
  id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  username: string;
  auth_data: string;
  auth_service: string;
  email: string;
  nickname: string;
  first_name: string;
  last_name: string;
  position: string;
  roles: string;
  notify_props: Record<string, string>;
  last_password_update: number;
  locale: string;
  timezone: Record<string, string>;
  disable_welcome_email: boolean;
  is_bot?: boolean;
  bot_description?: string;
}

export interface Bot {
  user_id: string;
  username: string;
  display_name: string;
  description: string;
  owner_id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export interface Team {
  id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  display_name: string;
  name: string;
  description: string;
  email: string;
  type: 'O' | 'I';
  company_name: string;
  allowed_domains: string;
  invite_id: string;
  allow_open_invite: boolean;
  scheme_id: string | null;
  group_constrained: boolean | null;
  policy_id: string | null;
}

export interface TeamMember {
  team_id: string;
  user_id: string;
  roles: string;
  delete_at: number;
  scheme_guest: boolean;
  scheme_user: boolean;
  scheme_admin: boolean;
  explicit_roles: string;
}

export type ChannelType = 'O' | 'P' | 'D' | 'G';

export interface Channel {
  id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  team_id: string;
  type: ChannelType;
  display_name: string;
  name: string;
  header: string;
  purpose: string;
  last_post_at: number;
  total_msg_count: number;
  extra_update_at: number;
  creator_id: string;
  scheme_id: string | null;
  props: JsonObject | null;
  group_constrained: boolean | null;
  shared: boolean | null;
  total_msg_count_root: number;
  policy_id: string | null;
}

export interface ChannelMember {
  channel_id: string;
  user_id: string;
  roles: string;
  last_viewed_at: number;
  msg_count: number;
  mention_count: number;
  mention_count_root: number;
  msg_count_root: number;
  notify_props: Record<string, string>;
  last_update_at: number;
  scheme_guest: boolean;
  scheme_user: boolean;
  scheme_admin: boolean;
  explicit_roles: string;
}

export interface FileInfo {
  id: string;
  user_id: string;
  post_id?: string;
  channel_id: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  name: string;
  extension: string;
  size: number;
  mime_type: string;
  mini_preview: string | null;
  remote_id: string;
}

/** A post as stored by the simulator (props exactly as the author sent them, `integration` kept). */
export interface Post {
  id: string;
  create_at: number;
  update_at: number;
  edit_at: number;
  delete_at: number;
  is_pinned: boolean;
  user_id: string;
  channel_id: string;
  root_id: string;
  original_id: string;
  message: string;
  type: string;
  props: JsonObject;
  hashtags: string;
  file_ids: string[];
  pending_post_id: string;
}

export interface Command {
  id: string;
  token: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  creator_id: string;
  team_id: string;
  trigger: string;
  method: 'P' | 'G';
  username: string;
  icon_url: string;
  auto_complete: boolean;
  auto_complete_desc: string;
  auto_complete_hint: string;
  display_name: string;
  description: string;
  url: string;
  plugin_id: string;
}

export interface AppErrorBody {
  id: string;
  message: string;
  detailed_error: string;
  request_id: string;
  status_code: number;
}

// ---------------------------------------------------------------------------------------------
// Serialisers (what a client reads)

function str(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** model.PostAction as 5.37 marshals it (omitempty fields; `integration` and `cookie` removed). */
function sanitizeAction(action: JsonValue): JsonValue {
  if (!isJsonObject(action)) {
    return action;
  }
  const out: JsonObject = {};
  for (const key of ['id', 'type', 'name', 'disabled', 'style', 'data_source', 'options', 'default_option'] as const) {
    const v = action[key];
    if (v === undefined || v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0)) {
      continue;
    }
    out[key] = sortKeysDeep(v);
  }
  return out;
}

/** model.SlackAttachment field order, every field present, as in the recorded post responses. */
export function sanitizeAttachment(attachment: JsonValue): JsonValue {
  if (!isJsonObject(attachment)) {
    return attachment;
  }
  const fields = attachment.fields;
  const out: JsonObject = {
    id: typeof attachment.id === 'number' ? attachment.id : 0,
    fallback: str(attachment.fallback),
    color: str(attachment.color),
    pretext: str(attachment.pretext),
    author_name: str(attachment.author_name),
    author_link: str(attachment.author_link),
    author_icon: str(attachment.author_icon),
    title: str(attachment.title),
    title_link: str(attachment.title_link),
    text: str(attachment.text),
    fields: Array.isArray(fields) && fields.length > 0
      ? fields.map((f) => (isJsonObject(f) ? {title: str(f.title), value: f.value ?? null, short: f.short === true} : f))
      : null,
    image_url: str(attachment.image_url),
    thumb_url: str(attachment.thumb_url),
    footer: str(attachment.footer),
    footer_icon: str(attachment.footer_icon),
    ts: attachment.ts ?? null,
  };
  if (Array.isArray(attachment.actions) && attachment.actions.length > 0) {
    out.actions = attachment.actions.map(sanitizeAction);
  }
  return out;
}

export function attachmentsOf(props: JsonObject): JsonValue[] {
  const attachments = props.attachments;
  return Array.isArray(attachments) ? attachments : [];
}

export function sanitizeProps(props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(props).sort()) {
    const v = props[key];
    if (v === undefined) {
      continue;
    }
    out[key] = key === 'attachments' && Array.isArray(v) ? v.map(sanitizeAttachment) : sortKeysDeep(v);
  }
  return out;
}

export interface PostViewContext {
  replyCount: number;
  files: FileInfo[];
}

/** The post as the REST API and the WebSocket show it (integration stripped). */
export function postToWire(post: Post, view: PostViewContext): JsonObject {
  const metadata: JsonObject = {};
  if (attachmentsOf(post.props).length > 0) {
    metadata.embeds = [{type: 'message_attachment'}];
  }
  if (view.files.length > 0) {
    metadata.files = view.files.map((f) => ({...fileInfoToWire(f), post_id: post.id}) satisfies JsonObject);
  }
  const out: JsonObject = {
    id: post.id,
    create_at: post.create_at,
    update_at: post.update_at,
    edit_at: post.edit_at,
    delete_at: post.delete_at,
    is_pinned: post.is_pinned,
    user_id: post.user_id,
    channel_id: post.channel_id,
    root_id: post.root_id,
    parent_id: '',
    original_id: post.original_id,
    message: post.message,
    type: post.type,
    props: sanitizeProps(post.props),
    hashtags: post.hashtags,
  };
  if (post.file_ids.length > 0) {
    out.file_ids = [...post.file_ids];
  }
  Object.assign(out, {
    pending_post_id: post.pending_post_id,
    reply_count: view.replyCount,
    last_reply_at: 0,
    participants: null,
    metadata,
  } satisfies JsonObject);
  return out;
}

export function fileInfoToWire(info: FileInfo): JsonObject {
  const out: JsonObject = {id: info.id, user_id: info.user_id};
  if (info.post_id) {
    out.post_id = info.post_id;
  }
  Object.assign(out, {
    channel_id: info.channel_id,
    create_at: info.create_at,
    update_at: info.update_at,
    delete_at: info.delete_at,
    name: info.name,
    extension: info.extension,
    size: info.size,
    mime_type: info.mime_type,
    mini_preview: info.mini_preview,
    remote_id: info.remote_id,
  } satisfies JsonObject);
  return out;
}

/** Go mime.TypeByExtension for the extensions a bridge uploads (charset added for text types). */
export function mimeTypeFor(extension: string): string {
  const table: Record<string, string> = {
    md: 'text/markdown; charset=utf-8',
    txt: 'text/plain; charset=utf-8',
    csv: 'text/csv; charset=utf-8',
    html: 'text/html; charset=utf-8',
    json: 'application/json',
    sarif: '',
    xml: 'text/xml; charset=utf-8',
    pdf: 'application/pdf',
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    svg: 'image/svg+xml',
    zip: 'application/zip',
    gz: 'application/gzip',
  };
  return table[extension.toLowerCase()] ?? '';
}

/** model.ParseSlackLinksToMarkdown and the @-mention conversions of slack-compat parsing. */
export function slackToMarkdown(text: string): string {
  return text
    .replace(/<(https?:\/\/[^|>\s]+)\|([^>]+)>/g, '[$2]($1)')
    .replace(/<(https?:\/\/[^|>\s]+)>/g, '$1')
    .replace(/<!(channel|here|all)>/g, '@$1');
}
