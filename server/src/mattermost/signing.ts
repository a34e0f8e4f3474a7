/**
 * Button clicks and dialog submissions reach the bridge without any credential (§7): the only proof
 * that a request came through Mattermost from a post the bridge made is an HMAC the bridge put into the
 * context. It covers post-independent fields only, so the same context stays valid across patches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * A button's context (version 2): the incident, the milestone, the state the button sets (never a
 * toggle: a click applied twice is a no-op) and the incident channel, all signed; or `recheck` (the
 * Re-check button: `milestone` is `recheck`), which refreshes the evidence. The bridge also
 * checks that the click comes from that channel and from the incident's checklist post, so a context
 * copied onto another post or replayed from another channel is refused.
 */
export const actionContextSchema = z.object({
  v: z.literal(2),
  incident: z.string().min(1).max(64),
  milestone: z.string().min(1).max(64),
  op: z.enum(['check', 'uncheck', 'recheck']),
  channel: z.string().min(1).max(64),
  sig: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ActionContext = z.infer<typeof actionContextSchema>;

function mac(secret: Buffer, parts: string[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(`${p.length}:${p}|`);
  return h.digest('hex');
}

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

const actionParts = (c: Omit<ActionContext, 'sig' | 'v'>): string[] => ['action', 'v2', c.incident, c.milestone, c.op, c.channel];

export function signActionContext(secret: Buffer, target: Omit<ActionContext, 'sig' | 'v'>): ActionContext {
  return { v: 2, ...target, sig: mac(secret, actionParts(target)) };
}

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates the shape and the signature of a click's context. */
export function verifyActionContext(secret: Buffer, context: unknown): Verified<ActionContext> {
  if (z.object({ v: z.literal(1) }).safeParse(context).success) {
    return { ok: false, reason: 'this button is from an older version of the checklist; use the refreshed checklist post (or `/ci-exposure check N`)' };
  }
  const parsed = actionContextSchema.safeParse(context);
  if (!parsed.success) return { ok: false, reason: 'the action context is missing or malformed' };
  const c = parsed.data;
  if (!equalHex(c.sig, mac(secret, actionParts(c)))) {
    return { ok: false, reason: 'the action context signature is not valid' };
  }
  return { ok: true, value: c };
}

/** Dialog `state`: who the dialog was opened for, where, and when, signed. */
export const dialogStateSchema = z.object({
  v: z.literal(1),
  user: z.string(),
  team: z.string(),
  channel: z.string(),
  at: z.number(),
  sig: z.string().regex(/^[0-9a-f]{64}$/),
});
export type DialogState = z.infer<typeof dialogStateSchema>;

export function signDialogState(secret: Buffer, user: string, team: string, channel: string, at: number): string {
  const sig = mac(secret, ['dialog', 'v1', user, team, channel, String(at)]);
  return JSON.stringify({ v: 1, user, team, channel, at, sig } satisfies DialogState);
}

export function verifyDialogState(secret: Buffer, state: string, now: number, maxAgeMs = 30 * 60_000): Verified<DialogState> {
  let raw: unknown;
  try {
    raw = JSON.parse(state);
  } catch {
    return { ok: false, reason: 'the dialog state is malformed' };
  }
  const parsed = dialogStateSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'the dialog state is malformed' };
  const s = parsed.data;
  if (!equalHex(s.sig, mac(secret, ['dialog', 'v1', s.user, s.team, s.channel, String(s.at)]))) {
    return { ok: false, reason: 'the dialog state signature is not valid' };
  }
  if (now - s.at > maxAgeMs) return { ok: false, reason: 'the dialog has expired; run the command again' };
  return { ok: true, value: s };
}
