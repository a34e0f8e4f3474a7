/** Pinned messages of an incident channel go into its timeline, once per post. */
import { escapeMarkdown } from '../mattermost/escape';
import type { Store } from '../store/sqlite';

export interface PinnedPost {
  id: string;
  channel_id: string;
  message: string;
  is_pinned?: boolean | undefined;
}

/** Records the pin if the post is pinned in an incident channel (not the checklist itself); true when new. */
export function recordPin(store: Store, post: PinnedPost, at: number): boolean {
  if (!post.is_pinned) return false;
  const incident = store.getIncidentByChannel(post.channel_id);
  if (!incident || post.id === incident.checklistPostId) return false;
  const excerpt = post.message.length > 200 ? `${post.message.slice(0, 200)}…` : post.message;
  return store.appendTimeline(incident.id, [{ at, kind: 'pin', text: `Pinned message: ${escapeMarkdown(excerpt)}`, ref: post.id }]) > 0;
}
