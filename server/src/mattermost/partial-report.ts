/**
 * A partial lookup in words (Mattermost-safe Markdown, every reason escaped): the report post and the
 * Markdown report both lead with "partial: N repositories not read" and the reasons. Pure.
 */
import type { LookupPartial } from '../incidents/lookup';
import { escapeMarkdown } from '../markdown';

export function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `partial: 2 repositories not read` — the words the post and the Markdown report both lead with. */
export function partialHeadline(partial: LookupPartial): string {
  const parts: string[] = [];
  if (partial.notRead.length > 0) parts.push(`${plural(partial.notRead.length, 'repository', 'repositories')} not read`);
  if (partial.notDone.length > 0) parts.push('stopped at the time limit');
  return `partial: ${parts.join('; ')}`;
}

/** The partial block (Mattermost-safe Markdown: every reason escaped), the first `max` repositories listed. */
export function partialMarkdown(partial: LookupPartial, max: number): string[] {
  const clip = (t: string, n: number): string => (t.length > n ? `${t.slice(0, n - 1)}…` : t);
  const lines = [`:warning: **${partialHeadline(partial)}** — what was not read is not known to be clean.`];
  for (const r of partial.notRead.slice(0, max)) lines.push(`- ${escapeMarkdown(clip(r.repo, 200))}: ${escapeMarkdown(clip(r.reason, 400))}`);
  if (partial.notRead.length > max) lines.push(`- … and ${partial.notRead.length - max} more (see the JSON report)`);
  for (const d of partial.notDone) lines.push(`- Not done: ${escapeMarkdown(clip(d, 400))}`);
  return lines;
}
