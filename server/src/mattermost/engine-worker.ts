/**
 * Worker-thread entry of the exposure lookup: the engine is synchronous and can take seconds over a
 * large organisation, so the bridge runs it here and keeps its event loop free for Mattermost (replies
 * within 1 s, clicks). Receives `{ scan, target }`, answers `{ ok, result }` or `{ ok: false, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { computeLookup } from './engine-lookup';

const request = z.object({
  scan: z.object({ paths: z.array(z.string()), cache: z.string().optional() }),
  target: z.discriminatedUnion('type', [
    z.object({ type: z.literal('indicator'), id: z.string() }),
    z.object({ type: z.literal('component'), spec: z.string() }),
  ]),
});

parentPort?.on('message', (message: unknown) => {
  const parsed = request.safeParse(message);
  if (!parsed.success) {
    parentPort?.postMessage({ ok: false, error: 'bad lookup request' });
    return;
  }
  try {
    const { scan, target } = parsed.data;
    parentPort?.postMessage({ ok: true, result: computeLookup({ scan: { paths: scan.paths, ...(scan.cache ? { cache: scan.cache } : {}) } }, target) });
  } catch (err) {
    parentPort?.postMessage({ ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
