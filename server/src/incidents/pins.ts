/** Pinned messages of an incident channel go into its timeline, once per post. */
import { escapeMarkdown } from '../markdown';
import type { Store } from '../store/store';

export interface PinnedPost {
  id: string;
  channel_id: string;
  message: string;
  is_pinned?: boolean | undefined;
}

/** Records the pin if the post is pinned in an incident channel (not the checklist itself); true when new. */
export async function recordPin(store: Store, post: PinnedPost, at: number): Promise<boolean> {
  if (!post.is_pinned) return false;
  const incident = await store.getIncidentByChannel(post.channel_id);
  if (!incident || post.id === incident.checklistPostId) return false;
  const excerpt = post.message.length > 200 ? `${post.message.slice(0, 200)}…` : post.message;
  return (await store.appendTimeline(incident.id, [{ at, kind: 'pin', text: `Pinned message: ${escapeMarkdown(excerpt)}`, ref: post.id }])) > 0;
}
