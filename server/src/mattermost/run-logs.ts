/**
 * ScanResult → the log readings the bridge keeps per incident (incidents/run-logs.ts): for every job log
 * the run evidence read, its hash, size, read time, matched lines and payload positions; and the logs it
 * found gone (HTTP 404/410). Pure.
 */
import type { ScanResult } from '@ci-exposure/engine';
import { MAX_LOG_LINE, MAX_LOG_LINES, type RunLogs } from '../incidents/run-logs';

/**
 * The log readings and gone logs of a result's findings (each log once), or undefined when no finding
 * carries run evidence (a lookup without `runs` stores nothing).
 */
export function runLogsOf(result: ScanResult): RunLogs | undefined {
  const withRuns = result.findings.filter((f) => f.runs !== undefined);
  if (withRuns.length === 0) return undefined;
  const readings = new Map<string, RunLogs['readings'][number]>();
  const gone = new Map<string, RunLogs['gone'][number]>();
  for (const f of withRuns) {
    for (const log of f.runs?.logs ?? []) {
      const readAt = Date.parse(log.readAt);
      if (!Number.isFinite(readAt)) continue;
      readings.set(`${f.repo}\u0000${log.jobId}`, {
        repo: f.repo,
        jobId: log.jobId,
        url: log.url,
        sha256: log.sha256,
        bytes: log.bytes,
        readAt,
        lines: log.lines.slice(0, MAX_LOG_LINES).map((l) => ({ line: l.line, text: l.text.slice(0, MAX_LOG_LINE) })),
        payloadLines: log.payloadLines.slice(0, MAX_LOG_LINES).map((p) => ({ line: p.line, length: p.length })),
        ...(log.truncated === true ? { truncated: true } : {}),
      });
    }
    for (const g of f.runs?.gone ?? []) gone.set(`${f.repo}\u0000${g.jobId}`, { repo: f.repo, jobId: g.jobId, status: g.status });
  }
  return { readings: [...readings.values()], gone: [...gone.values()] };
}

