/**
 * Worker-thread entry of the exposure lookup: reading an organisation's sources and scanning them can
 * take minutes, and the engine's scan is synchronous, so the bridge runs it here and keeps its event
 * loop free for Mattermost (replies within 1 s, clicks). Receives `{ settings, target, env, headsOnly }` (validated),
 * posts `{ type: 'progress' }` messages as it goes, then `{ type: 'answer', ok, result }` or
 * `{ type: 'failed', ok: false, error }` (engine-lookup.ts validates each).
 */
import { parentPort } from 'node:worker_threads';
import { sourceEnv } from '@ci-exposure/engine';
import { computeLookup, workerRequestSchema, type WorkerMessage } from './engine-lookup';

function send(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

parentPort?.once('message', (message: unknown) => {
  const parsed = workerRequestSchema.safeParse(message);
  if (!parsed.success) {
    send({ type: 'failed', ok: false, error: 'bad lookup request' });
    return;
  }
  const { settings, target, env, headsOnly } = parsed.data;
  computeLookup(settings, target, { env: sourceEnv(env), headsOnly, onProgress: (progress) => send({ type: 'progress', progress }) }).then(
    (result) => {
      const { summary: _summary, ...rest } = result;
      send({ type: 'answer', ok: true, result: rest });
    },
    (err: unknown) => send({ type: 'failed', ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
