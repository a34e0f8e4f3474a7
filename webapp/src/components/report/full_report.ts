import {useCallback, useState} from 'react';
import {z} from 'zod';

import {reportRowSchema, type ReportRow} from '@cix/contract';

import {describeError} from '../../actions';
import {getFileJson} from '../../client';

/**
 * The attached JSON report: `{rows: ReportRow[], …}` (other top-level fields are ignored) or a bare
 * array of rows. Each row is validated on its own: a row that does not validate is counted and left
 * out, the rest are shown.
 */
const fileSchema = z.union([z.object({rows: z.array(z.unknown())}).loose(), z.array(z.unknown())]);

export type FullReportParse = {ok: true; rows: ReportRow[]; invalid: number} | {ok: false; reason: string};

export function parseFullReport(json: unknown): FullReportParse {
    const file = fileSchema.safeParse(json);
    if (!file.success) {
        return {ok: false, reason: 'the attached report has no "rows" list'};
    }
    const raw = Array.isArray(file.data) ? file.data : file.data.rows;
    const rows: ReportRow[] = [];
    let invalid = 0;
    for (const item of raw) {
        const row = reportRowSchema.safeParse(item);
        if (row.success) {
            rows.push(row.data);
        } else {
            invalid++;
        }
    }
    return {ok: true, rows, invalid};
}

export type FullReportState =
    | {status: 'idle'}
    | {status: 'loading'}
    | {status: 'loaded'; rows: ReportRow[]; invalid: number}
    | {status: 'failed'; message: string};

/** Loads the attached report on demand through Mattermost's file API. */
export function useFullReport(fileId: string | undefined): [FullReportState, () => void] {
    const [state, setState] = useState<FullReportState>({status: 'idle'});
    const load = useCallback(() => {
        if (!fileId) {
            return;
        }
        setState({status: 'loading'});
        getFileJson(fileId).then((json) => {
            const parsed = parseFullReport(json);
            setState(parsed.ok ? {status: 'loaded', rows: parsed.rows, invalid: parsed.invalid} : {status: 'failed', message: parsed.reason});
        }, (err: unknown) => {
            setState({status: 'failed', message: describeError(err)});
        });
    }, [fileId]);
    return [state, load];
}
