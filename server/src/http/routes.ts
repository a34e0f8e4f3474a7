/**
 * The endpoints Mattermost calls: `/slash` (form-encoded slash command), `/actions` (button clicks,
 * no Authorization header: the signed context is the proof), `/dialogs` (dialog submissions), and
 * `/metrics`. Malformed requests get 400 with the reason; a wrong slash token gets 401 (logged
 * without the token).
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { IncidentUseCases } from '../incidents/use-cases';
import type { Logger } from '../logger';
import type { SlashCommands } from '../mattermost/commands';
import { buttonReply, recheckReply } from '../mattermost/replies';
import type { ResponseSender } from '../mattermost/response-url';
import { verifyActionContext } from '../mattermost/signing';
import { parseSlash, USAGE } from '../mattermost/slash';
import type { Store } from '../store/store';
import type { BridgeMetrics } from './metrics';

export interface RouteDeps {
  /** Undefined while the bridge is not set up (no bot token): Mattermost requests get 503. */
  handlers: () => { commands: SlashCommands; useCases: IncidentUseCases } | undefined;
  store: Store;
  metrics: BridgeMetrics;
  secret: Buffer;
  logger: Logger;
  respond: ResponseSender;
  /** Queues a direct message to a user (used to answer dialog submissions). */
  directMessage: (userId: string, text: string) => void;
  background: (task: Promise<unknown>) => void;
  /** How long a slash command may take before the bridge answers "working on it" (ms). */
  slashDeadlineMs?: number;
}

const formString = z.union([z.string(), z.array(z.string()).transform((a) => a[0] ?? '')]);

const slashSchema = z
  .object({
    token: formString.optional(),
    team_id: formString,
    channel_id: formString,
    user_id: formString,
    user_name: formString,
    command: formString,
    text: formString.default(''),
    trigger_id: formString.optional(),
    response_url: formString.optional(),
  })
  .passthrough();

const actionSchema = z
  .object({
    user_id: z.string().min(1),
    user_name: z.string().optional(),
    channel_id: z.string().optional(),
    post_id: z.string().optional(),
    context: z.unknown().optional(),
  })
  .passthrough();

const dialogSchema = z
  .object({
    type: z.string().optional(),
    callback_id: z.string().optional(),
    state: z.string().optional(),
    user_id: z.string().min(1),
    channel_id: z.string().optional().default(''),
    team_id: z.string().optional().default(''),
    submission: z.record(z.string(), z.unknown()).nullable().optional(),
    cancelled: z.boolean().optional(),
  })
  .passthrough();

function reason(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'body';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function badRequest(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(400).send({ error: 'bad_request', message });
}

function notReady(reply: FastifyReply): FastifyReply {
  return reply.code(503).send({ error: 'not_set_up', message: 'the bridge has no bot token yet: run `ci-exposure setup`' });
}

const ephemeral = (text: string): { response_type: 'ephemeral'; text: string } => ({ response_type: 'ephemeral', text });

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const deadline = deps.slashDeadlineMs ?? 700;

  app.get('/metrics', async (_req, reply) => {
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.metrics.registry.render());
  });

  app.post('/slash', async (req: FastifyRequest, reply) => {
    const parsed = slashSchema.safeParse(req.body);
    if (!parsed.success) {
      deps.metrics.slash({ command: 'invalid', result: 'bad_request' });
      return badRequest(reply, `malformed slash command request: ${reason(parsed.error)}`);
    }
    const body = parsed.data;
    const header = /^Token\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = body.token ?? header;
    const command = token ? (await deps.store.listCommands()).find((c) => sameSecret(c.token, token)) : undefined;
    const consistent = body.token === undefined || header === undefined || sameSecret(body.token, header);
    if (!command || !consistent || command.teamId !== body.team_id) {
      deps.metrics.slash({ command: 'unknown', result: 'unauthorized' });
      deps.logger.warn({ teamId: body.team_id, userId: body.user_id, tokenPresent: token !== undefined }, 'slash command refused: token does not match');
      return reply.code(401).send({ error: 'unauthorized', message: 'the command token does not match a /ci-exposure command registered by setup' });
    }
    const handlers = deps.handlers();
    if (!handlers) return reply.send(ephemeral('The bridge is not set up yet (no bot token): ask an administrator to run `ci-exposure setup`.'));
    const slash = parseSlash(body.text);
    if (!slash.ok) {
      deps.metrics.slash({ command: 'invalid', result: 'usage' });
      return reply.send(ephemeral(`${slash.error}\n\n${USAGE}`));
    }
    const name = slash.command.name;
    const caller = { userId: body.user_id, username: body.user_name, teamId: body.team_id, channelId: body.channel_id, ...(body.trigger_id ? { triggerId: body.trigger_id } : {}) };
    const work = handlers.commands.handle(caller, slash.command).then(
      (text) => ({ ok: true as const, text }),
      (err: unknown) => {
        deps.logger.error({ command: name, error: err instanceof Error ? err.message : String(err) }, 'slash command failed');
        return { ok: false as const, text: `\`${name}\` failed: ${err instanceof Error && err.name === 'MattermostError' ? 'Mattermost answered with an error' : 'internal error'}; see the bridge log.` };
      },
    );
    // A lookup runs the engine synchronously: `scan` always answers at once and delivers by response_url.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), name === 'scan' ? 0 : deadline);
    });
    const first = await Promise.race([work, late]);
    clearTimeout(timer);
    if (first !== 'late') {
      deps.metrics.slash({ command: name, result: first.ok ? 'ok' : 'error' });
      return reply.send(ephemeral(first.text));
    }
    // Still working: answer now, deliver the result through response_url.
    const responseUrl = body.response_url;
    deps.background(
      work.then(async (result) => {
        deps.metrics.slash({ command: name, result: result.ok ? 'ok_delayed' : 'error_delayed' });
        if (!responseUrl || result.text === '') return;
        await deps.respond(responseUrl, result.text).catch(() => deps.directMessage(body.user_id, result.text));
      }),
    );
    const ack = name === 'start' ? 'Starting the incident…' : name === 'scan' ? 'Looking up the exposure; the report follows here (only you see it).' : `Working on \`${name}\`…`;
    return reply.send(ephemeral(ack));
  });

  app.post('/actions', async (req, reply) => {
    const parsed = actionSchema.safeParse(req.body);
    if (!parsed.success) {
      deps.metrics.action({ result: 'bad_request' });
      return badRequest(reply, `malformed action request: ${reason(parsed.error)}`);
    }
    const verified = verifyActionContext(deps.secret, parsed.data.context);
    if (!verified.ok) {
      deps.metrics.action({ result: 'forged' });
      deps.logger.warn({ userId: parsed.data.user_id, postId: parsed.data.post_id, reason: verified.reason }, 'button click refused');
      return reply.code(403).send({ error: 'forbidden', message: verified.reason });
    }
    const handlers = deps.handlers();
    if (!handlers) return notReady(reply);
    const user = { userId: parsed.data.user_id, username: parsed.data.user_name ?? parsed.data.user_id };
    const c = verified.value;
    if (c.op === 'recheck') {
      try {
        const outcome = await handlers.useCases.recheckButton(user, { incidentId: c.incident, signedChannelId: c.channel, channelId: parsed.data.channel_id, postId: parsed.data.post_id });
        if (outcome.kind === 'wrong-place') {
          deps.metrics.action({ result: 'forged' });
          deps.logger.warn({ userId: user.userId, postId: parsed.data.post_id, channelId: parsed.data.channel_id }, 'button click refused: context used outside its checklist post');
          return reply.code(403).send({ error: 'forbidden', message: 'the action context belongs to another post or channel' });
        }
        deps.metrics.action({ result: outcome.kind === 'rechecked' || outcome.kind === 'running' ? 'ok' : 'refused' });
        return reply.send({ ephemeral_text: recheckReply(outcome) });
      } catch (err) {
        deps.metrics.action({ result: 'error' });
        deps.logger.error({ userId: user.userId, error: err instanceof Error ? err.message : String(err) }, 'recheck click failed');
        return reply.send({ ephemeral_text: 'The re-check could not be started: Mattermost did not answer the bridge. Try again in a moment.' });
      }
    }
    const op = c.op;
    try {
      const outcome = await handlers.useCases.button(user, {
        incidentId: c.incident,
        milestoneId: c.milestone,
        op,
        signedChannelId: c.channel,
        channelId: parsed.data.channel_id,
        postId: parsed.data.post_id,
      });
      if (outcome.kind === 'wrong-place') {
        // A valid context replayed on another post or from another channel.
        deps.metrics.action({ result: 'forged' });
        deps.logger.warn({ userId: user.userId, postId: parsed.data.post_id, channelId: parsed.data.channel_id }, 'button click refused: context used outside its checklist post');
        return reply.code(403).send({ error: 'forbidden', message: 'the action context belongs to another post or channel' });
      }
      deps.metrics.action({ result: outcome.kind === 'changed' ? 'ok' : outcome.kind === 'unchanged' ? 'unchanged' : 'refused' });
      const text = buttonReply(outcome);
      return reply.send(text === undefined ? {} : { ephemeral_text: text });
    } catch (err) {
      // Mattermost kept failing (e.g. the membership check): the clicker is told, nothing was changed.
      deps.metrics.action({ result: 'error' });
      deps.logger.error({ userId: user.userId, error: err instanceof Error ? err.message : String(err) }, 'button click failed');
      return reply.send({ ephemeral_text: 'The checklist could not be updated: Mattermost did not answer the bridge. Try again in a moment.' });
    }
  });

  app.post('/dialogs', async (req, reply) => {
    const parsed = dialogSchema.safeParse(req.body);
    if (!parsed.success) {
      deps.metrics.dialog({ result: 'bad_request' });
      return badRequest(reply, `malformed dialog submission: ${reason(parsed.error)}`);
    }
    const d = parsed.data;
    if (d.cancelled) return reply.send({});
    if (d.callback_id !== 'start' || d.state === undefined) {
      deps.metrics.dialog({ result: 'bad_request' });
      return badRequest(reply, 'unknown dialog (callback_id must be "start" with its state)');
    }
    const handlers = deps.handlers();
    if (!handlers) return notReady(reply);
    const outcome = await handlers.commands.submitStartDialog({ state: d.state, userId: d.user_id, teamId: d.team_id, channelId: d.channel_id, submission: d.submission ?? {} });
    if ('error' in outcome) {
      deps.metrics.dialog({ result: 'refused' });
      return reply.code(outcome.forbidden ? 403 : 200).send({ error: outcome.error });
    }
    if ('errors' in outcome) {
      deps.metrics.dialog({ result: 'invalid' });
      return reply.send({ errors: outcome.errors });
    }
    deps.metrics.dialog({ result: 'ok' });
    deps.background(outcome.started.then((text) => deps.directMessage(d.user_id, text)));
    return reply.send({});
  });
}
