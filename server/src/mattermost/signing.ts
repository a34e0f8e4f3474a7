/**
 * Button clicks and dialog submissions reach the bridge without any credential (§7): the only proof
 * that a request came through Mattermost from a post the bridge made is an HMAC the bridge put into the
 * context. It covers post-independent fields only, so the same context stays valid across patches.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const actionContextSchema = z.object({
  v: z.literal(1),
  incident: z.string().min(1).max(64),
  milestone: z.string().min(1).max(64),
  op: z.literal('toggle'),
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

export function signActionContext(secret: Buffer, incident: string, milestone: string): ActionContext {
  return { v: 1, incident, milestone, op: 'toggle', sig: mac(secret, ['action', 'v1', incident, milestone, 'toggle']) };
}

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates the shape and the signature of a click's context. */
export function verifyActionContext(secret: Buffer, context: unknown): Verified<ActionContext> {
  const parsed = actionContextSchema.safeParse(context);
  if (!parsed.success) return { ok: false, reason: 'the action context is missing or malformed' };
  const c = parsed.data;
  if (!equalHex(c.sig, mac(secret, ['action', 'v1', c.incident, c.milestone, c.op]))) {
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
