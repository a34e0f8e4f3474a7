/**
 * Limits that keep a scan's time and memory bounded on hostile input, shared by the engine and the
 * parsers that must apply them before building what grows with them.
 */

/**
 * Most jobs scanned in one repository. Real pipelines have tens of jobs (the largest file of the
 * public corpus the tests read has 20); a file with tens of thousands is hostile input, and following
 * what every job writes to every job that reads it grows with the square of the count. Jobs past this
 * are reported as an error at the first one left out (the scan is then incomplete), not silently dropped.
 */
export const MAX_JOBS_PER_REPO = 2000;

/** The error message for jobs left out from `firstLeftOut` on. */
export function tooManyJobsMessage(file: string, leftOut: number, firstLeftOut: string): string {
  return `more than ${MAX_JOBS_PER_REPO} jobs in this repository: ${leftOut} job(s) of ${file} from ${firstLeftOut} on were not scanned`;
}

/**
 * Most findings reported for one job and one indicator. A job that reaches the component through more
 * uses than this (thousands of steps naming it) gets an error saying how many were left out; its
 * verdict does not change with the count.
 */
export const MAX_FINDINGS_PER_JOB = 50;
