/**
 * What the run evidence read of job logs, kept per incident: logs expire (90 days by default) and
 * responders delete them, so the bridge keeps — for every log a lookup read — its sha256 and size at the
 * time it was read (a log longer than the reader's 64 MB cap: `truncated`, the hash of its first 64 MB), the lines it matched (the runner's `Download action repository … (SHA:…)` lines) and
 * where a payload's print was (line and length, never the print). Never the whole log, never a value.
 *
 *   LookupResult.runLogs ──storeRunLogs──▶ store.markLogsGone (a log read before that now answers
 *     404/410: "log already gone", a timeline entry, once) ──▶ store.recordLogReadings (first reading kept)
 */
import { z } from 'zod';
import { escapeMarkdown } from '../markdown';
import type { Store, StoredLogReading } from '../store/store';
import type { TimelineEntry } from './model';

/** Lines kept per log, and their length: the download lines are short; anything longer is cut. */
export const MAX_LOG_LINES = 200;
export const MAX_LOG_LINE = 500;

export const runLogsSchema = z.object({
  readings: z.array(
    z.object({
      repo: z.string(),
      jobId: z.number().int(),
      url: z.string(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      bytes: z.number().int().nonnegative(),
      readAt: z.number(),
      lines: z.array(z.object({ line: z.number().int(), text: z.string().max(MAX_LOG_LINE) })).max(MAX_LOG_LINES),
      payloadLines: z.array(z.object({ line: z.number().int(), length: z.number().int() })).max(MAX_LOG_LINES),
      /** Longer than the reader's cap: hashed and read up to `bytes` only. */
      truncated: z.boolean().optional(),
    }),
  ),
  gone: z.array(z.object({ repo: z.string(), jobId: z.number().int(), status: z.number().int() })),
});
export type RunLogs = z.infer<typeof runLogsSchema>;

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `67108864` → `64 MB`, `1536` → `1.5 KB`, `900` → `900 bytes`. */
export function byteSize(bytes: number): string {
  const unit = bytes >= 1024 * 1024 ? { n: 1024 * 1024, name: 'MB' } : bytes >= 1024 ? { n: 1024, name: 'KB' } : undefined;
  if (!unit) return `${bytes} bytes`;
  return `${Number((bytes / unit.n).toFixed(1))} ${unit.name}`;
}

/** What a kept hash is of: the whole log (`… bytes`), or — a log longer than the reader's cap — its first bytes only. */
export function logHashText(r: Pick<StoredLogReading, 'sha256' | 'bytes' | 'truncated'>): string {
  const hash = `sha256 ${r.sha256.slice(0, 12)}…`;
  if (r.truncated === true) return `${hash}, the hash of the first ${byteSize(r.bytes)}: the log was larger and was not read past it`;
  return `${hash}, ${r.bytes} bytes`;
}

/** `Log already gone: …` for a log read before that the platform no longer gives. */
export function logGoneText(r: StoredLogReading): string {
  return (
    `Log already gone: the log of job ${r.jobId} of ${escapeMarkdown(r.repo)} answered HTTP ${r.goneStatus ?? 410} (expired or deleted). ` +
    `It was read ${utc(r.readAt)} (${logHashText(r)}); ${r.lines.length === 1 ? 'the line matched then is kept' : `the ${r.lines.length} lines matched then are kept`}.`
  );
}

/**
 * Stores what a lookup read: first marks gone the logs read before that now answer 404/410 (returned as
 * timeline entries, once each), then keeps the new readings. Returns the timeline entries it appended.
 */
export async function storeRunLogs(
  store: Pick<Store, 'recordLogReadings' | 'markLogsGone' | 'appendTimeline'>,
  incidentId: string,
  logs: RunLogs,
  at: number,
): Promise<{ added: number; gone: StoredLogReading[]; timeline: TimelineEntry[] }> {
  const gone = logs.gone.length > 0 ? await store.markLogsGone(incidentId, logs.gone, at) : [];
  const added = logs.readings.length > 0 ? await store.recordLogReadings(incidentId, logs.readings) : 0;
  const timeline: TimelineEntry[] = gone.map((r) => ({ at, kind: 'evidence', text: logGoneText(r), ref: `log-gone:${r.repo}:${r.jobId}` }));
  if (timeline.length > 0) await store.appendTimeline(incidentId, timeline);
  return { added, gone, timeline };
}
