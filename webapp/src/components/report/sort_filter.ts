import {PLATFORMS, VERDICTS, type Platform, type ReportRow, type Verdict} from '@cix/contract';

export const SORT_KEYS = ['repo', 'file', 'platform', 'job', 'verdict', 'secrets', 'tamper'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'ascending' | 'descending';
export interface Sort {
    key: SortKey;
    direction: SortDirection;
}

export interface Filter {
    verdict: Verdict | 'all';
    platform: Platform | 'all';
}

export const DEFAULT_SORT: Sort = {key: 'verdict', direction: 'ascending'};

function compareText(a: string, b: string): number {
    return a.localeCompare(b, undefined, {numeric: true, sensitivity: 'base'});
}

/** Ascending order for each column; verdict ascends from critical to low (most severe first). */
function compareBy(key: SortKey, a: ReportRow, b: ReportRow): number {
    switch (key) {
    case 'repo':
        return compareText(a.repo, b.repo);
    case 'file':
        return compareText(a.file, b.file) || a.line - b.line;
    case 'platform':
        return PLATFORMS.indexOf(a.platform) - PLATFORMS.indexOf(b.platform);
    case 'job':
        return compareText(a.workflow, b.workflow) || compareText(a.job, b.job);
    case 'verdict':
        return VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict);
    case 'secrets':
        return b.secrets.length - a.secrets.length;
    case 'tamper':
        return b.tamper.length - a.tamper.length;
    }
}

/** Filters, then sorts stably; ties fall back to verdict, repository, file and line. */
export function sortAndFilter(rows: readonly ReportRow[], sort: Sort, filter: Filter): ReportRow[] {
    const sign = sort.direction === 'ascending' ? 1 : -1;
    return rows.
        filter((r) => (filter.verdict === 'all' || r.verdict === filter.verdict) && (filter.platform === 'all' || r.platform === filter.platform)).
        map((row, index) => ({row, index})).
        sort((a, b) => (sign * compareBy(sort.key, a.row, b.row)) ||
            compareBy('verdict', a.row, b.row) || compareBy('repo', a.row, b.row) || compareBy('file', a.row, b.row) || a.index - b.index).
        map(({row}) => row);
}

export function nextSort(current: Sort, key: SortKey): Sort {
    if (current.key !== key) {
        return {key, direction: 'ascending'};
    }
    return {key, direction: current.direction === 'ascending' ? 'descending' : 'ascending'};
}

export function rowKey(row: ReportRow): string {
    return `${row.repo}\u0000${row.file}\u0000${row.line}\u0000${row.workflow}\u0000${row.job}`;
}
