/**
 * IMPERATIVE SHELL: the messages between the scan's threads (parallel-scan.ts), checked at the boundary —
 * the tasks a worker is given and the answers it gives (the results are the engine's own, passed through
 * once their shapes are checked). Loaded with the first thread a scan starts.
 */
import { z } from 'zod';
import type { ScanError, ScanResult } from '../core/model';
import type { CheckoutRead } from './local-dir';
import type { GroupResult } from './parallel-scan';

// A worker's answer: checked at the boundary (the results are the engine's own, passed through).
const summarySchema = z.object({ repos: z.number(), files: z.number(), jobs: z.number(), affected: z.number(), unresolved: z.number(), errors: z.number() });
const resultSchema = z.looseObject({
  indicator: z.looseObject({ id: z.string(), title: z.string() }),
  summary: summarySchema,
  findings: z.array(z.unknown()),
  unresolved: z.array(z.unknown()),
  errors: z.array(z.unknown()),
});
const answerSchema = z.union([
  z.object({ ok: z.literal(true), results: z.array(resultSchema), readErrors: z.array(z.unknown()) }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
// A reading thread's answer: the reads' shapes (their files and errors are local-dir's own, passed through).
const readAnswerSchema = z.union([
  z.object({
    ok: z.literal(true),
    reads: z.array(z.looseObject({ repo: z.string(), files: z.array(z.unknown()), errors: z.array(z.unknown()), listed: z.instanceof(Map) })),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

/** A scanning worker's answer to a group: its results, or the error it met. */
export function groupAnswer(message: unknown): GroupResult | Error {
  const answer = answerSchema.safeParse(message);
  if (!answer.success) return new Error('a scan worker answered something unexpected');
  const a = answer.data;
  if (!a.ok) return new Error(`a scan worker failed: ${a.error}`);
  // The shapes were checked above; the items are what scanMany returned in the worker.
  return { results: a.results as unknown as ScanResult[], readErrors: a.readErrors as ScanError[] };
}

/** A reading thread's answer to a group: the checkouts read, or the error it met. */
export function readAnswer(message: unknown): CheckoutRead[] | Error {
  const answer = readAnswerSchema.safeParse(message);
  if (!answer.success) return new Error('a reading thread answered something unexpected');
  const a = answer.data;
  if (!a.ok) return new Error(`a reading thread failed: ${a.error}`);
  return a.reads as unknown as CheckoutRead[];
}

// A task a worker is given.
const checkoutsSchema = z.array(z.object({ root: z.string(), id: z.string(), real: z.string().optional() }));
const taskSchema = z.object({ kind: z.literal('cix-scan-group'), checkouts: checkoutsSchema });
const readTaskSchema = z.object({ kind: z.literal('cix-read-group'), checkouts: checkoutsSchema });

/** A group to scan (GroupTask)? */
export function isScanTask(message: unknown): boolean {
  return taskSchema.safeParse(message).success;
}

/** A group to read only (ReadTask)? */
export function isReadTask(message: unknown): boolean {
  return readTaskSchema.safeParse(message).success;
}
