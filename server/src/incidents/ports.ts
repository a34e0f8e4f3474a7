/**
 * What the incident use cases need from the chat system, in their own words. The Mattermost adapter
 * (mattermost/incident-chat.ts) implements these: it renders posts, knows the REST calls and the
 * server's error ids. Nothing in incidents/ imports from mattermost/.
 */
import type { ExposedSecret, LookupResult } from './lookup';
import type { Incident, OutboxMessage } from './model';
import type { StoredTimelineEntry } from '../store/store';

/** A failed chat call, as the use cases see it: the HTTP status (0: no answer) and the server's error id. */
export class ChatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}

export interface ChatUser {
  id: string;
  username: string;
}

export interface NewChannel {
  teamId: string;
  name: string;
  displayName: string;
  purpose: string;
  header: string;
}

export interface IncidentChat {
  getUser(userId: string): Promise<ChatUser>;
  findUser(username: string): Promise<ChatUser | undefined>;
  /** Whether the user belongs to the named team; false when the bot cannot see that team (logged). */
  isTeamMember(teamName: string, userId: string): Promise<boolean>;
  isChannelMember(channelId: string, userId: string): Promise<boolean>;
  /** Creates a private channel; undefined when the name is already taken in the team. */
  createPrivateChannel(channel: NewChannel): Promise<{ id: string; name: string } | undefined>;
  addToChannel(channelId: string, userId: string): Promise<void>;
  /** Posts the incident's checklist (rendered from `incident`) and returns the post id. */
  createChecklistPost(incident: Incident, now: number): Promise<string>;
  pin(postId: string): Promise<void>;
  /** Posts the exposure report with its Markdown and JSON files in the incident channel; resolves to its post id. */
  postReport(incident: Incident, result: LookupResult): Promise<string>;
  /** Posts the final report (with the full report as a file) in the incident channel. */
  postFinalReport(incident: Incident, timeline: StoredTimelineEntry[], now: number): Promise<void>;
  /** A plain notice in a channel (best effort: failures are the caller's to log). */
  notice(channelId: string, text: string): Promise<void>;
  /**
   * The exposure lookup's progress in the incident channel (`text`: Markdown-safe): the first call posts
   * ONE progress post, later calls edit it; `last` marks the final edit (done / failed), after which the
   * next lookup gets a post of its own. The caller throttles (incidents/lookup-progress.ts).
   */
  progress(incident: Incident, text: string, last?: boolean): Promise<void>;
}

/**
 * Delivers outbox messages. `key` identifies the message for ever: a delivery carries it, so a message
 * that may already have been delivered (`mayExist`: claimed before, by this bridge or another one that
 * died) is looked for first and not delivered twice. Resolves to the id of the post that carries it
 * (undefined: nothing to deliver, e.g. no stakeholder channel configured).
 */
export interface OutboxTransport {
  deliver(message: OutboxMessage, key: string, options: { mayExist: boolean; since: number }): Promise<string | undefined>;
}

/** Keeps the checklist post equal to the stored incident. */
export interface ChecklistView {
  /** Resolves once the post shows the incident at least as it is stored now. */
  refresh(incidentId: string): Promise<void>;
}

/**
 * What a platform says about one exposed secret since a time (the incident's start): `verified` — it was
 * changed (re-created, updated) after it, at `changedAt`; `not-yet` — it was not (`changedAt`: its last
 * change, when known); `unknown` — the platform could not tell (`reason`: no token, provider error, a
 * store without timestamps such as GitLab's variables). Names only: never a value.
 */
export type SecretEvidence =
  | { state: 'verified'; source: string; changedAt: number }
  | { state: 'not-yet'; source: string; changedAt?: number }
  | { state: 'unknown'; source: string; reason: string };

/**
 * Evidence from the CI platforms (GitHub secret `updated_at`, CircleCI variables re-created after the
 * start). Owned here; implemented by the provider clients (not yet: without an implementation every
 * secret sub-item is `manual (no platform evidence available)`). A rejection is read as `unknown`.
 */
export interface EvidencePort {
  secretRotatedSince(secret: ExposedSecret, since: number): Promise<SecretEvidence>;
}
