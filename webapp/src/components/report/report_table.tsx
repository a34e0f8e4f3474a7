import React, {useMemo, useState} from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import {PLATFORMS, VERDICTS, type Platform, type ReportRow, type Verdict} from '@cix/contract';

import {severityMessages, platformMessages} from '../../i18n/messages';

import {ChainDiagram} from './chain_diagram';
import {PlatformLabel} from './labels';
import {RunsLine} from './runs_line';
import {DEFAULT_SORT, nextSort, rowKey, sortAndFilter, type Filter, type Sort, type SortKey} from './sort_filter';
import {VerdictBadge} from './verdict_badge';

export const PAGE_SIZE = 50;

const COLUMNS: ReadonlyArray<{key: SortKey; label: React.ReactElement}> = [
    {key: 'repo', label: <FormattedMessage id='cix.report.col.repo' defaultMessage='Repository'/>},
    {key: 'file', label: <FormattedMessage id='cix.report.col.file' defaultMessage='Uses (file:line)'/>},
    {key: 'platform', label: <FormattedMessage id='cix.report.col.platform' defaultMessage='Platform'/>},
    {key: 'job', label: <FormattedMessage id='cix.report.col.job' defaultMessage='Job'/>},
    {key: 'verdict', label: <FormattedMessage id='cix.report.col.verdict' defaultMessage='Verdict'/>},
    {key: 'secrets', label: <FormattedMessage id='cix.report.col.secrets' defaultMessage='Secrets'/>},
    {key: 'tamper', label: <FormattedMessage id='cix.report.col.tamper' defaultMessage='Tamper'/>},
];

function isVerdict(value: string): value is Verdict {
    return (VERDICTS as readonly string[]).includes(value);
}

function isPlatform(value: string): value is Platform {
    return (PLATFORMS as readonly string[]).includes(value);
}

/** Where the job uses the component: `file:line`, or every use grouped by file (`a.yml:3,9 b.yml:4`). */
export function usesText(row: ReportRow): string {
    const uses = row.uses && row.uses.length > 0 ? row.uses : [{file: row.file, line: row.line}];
    const byFile = new Map<string, number[]>();
    for (const use of uses) {
        byFile.set(use.file, [...(byFile.get(use.file) ?? []), use.line]);
    }
    return [...byFile].map(([file, lines]) => `${file}:${lines.join(',')}`).join(' ');
}

function NameList({names}: {names: string[]}): React.ReactElement {
    if (names.length === 0) {
        return <span className='cix-muted'>{'—'}</span>;
    }
    return (
        <ul className='cix-names'>
            {names.map((name, i) => (
                // Names may repeat; a list item's identity is its position.
                <li key={`${i}:${name}`}><code>{name}</code></li>
            ))}
        </ul>
    );
}

/** A path that may wrap after each slash (a <wbr> element, never markup from the data). */
function PathText({text}: {text: string}): React.ReactElement {
    const parts = text.split('/');
    return (
        <>
            {parts.map((part, i) => (
                // The parts of one path have no identity but their position.
                <React.Fragment key={i}>
                    {part}
                    {i < parts.length - 1 && <>{'/'}<wbr/></>}
                </React.Fragment>
            ))}
        </>
    );
}

function RowDetails({row, id}: {row: ReportRow; id: string}): React.ReactElement {
    return (
        <div
            className='cix-details'
            id={id}
        >
            <ChainDiagram chain={row.chain}/>
            {row.reasons.length > 0 && (
                <div>
                    <strong className='cix-small'><FormattedMessage id='cix.report.reasons' defaultMessage='Why'/></strong>
                    <ul className='cix-bullets'>{row.reasons.map((r, i) => <li key={`${i}:${r}`}>{r}</li>)}</ul>
                </div>
            )}
            {row.advice.length > 0 && (
                <div>
                    <strong className='cix-small'><FormattedMessage id='cix.report.advice' defaultMessage='What to do'/></strong>
                    <ul className='cix-bullets'>{row.advice.map((a, i) => <li key={`${i}:${a}`}>{a}</li>)}</ul>
                </div>
            )}
        </div>
    );
}

export function ReportTable({rows, idPrefix}: {rows: readonly ReportRow[]; idPrefix: string}): React.ReactElement {
    const intl = useIntl();
    const [sort, setSort] = useState<Sort>(DEFAULT_SORT);
    const [filter, setFilter] = useState<Filter>({verdict: 'all', platform: 'all'});
    const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
    const [limit, setLimit] = useState(PAGE_SIZE);

    const visible = useMemo(() => sortAndFilter(rows, sort, filter), [rows, sort, filter]);
    const platforms = useMemo(() => PLATFORMS.filter((p) => rows.some((r) => r.platform === p)), [rows]);
    const shown = visible.slice(0, limit);
    const seen = new Map<string, number>();

    const toggleRow = (key: string): void => {
        setExpanded((current) => {
            const next = new Set(current);
            if (next.has(key)) {
                next.delete(key);
            } else {
                next.add(key);
            }
            return next;
        });
    };

    return (
        <div className='cix-report__table'>
            <div className='cix-filters'>
                <label className='cix-small'>
                    <FormattedMessage id='cix.report.filter.verdict' defaultMessage='Verdict'/>{' '}
                    <select
                        value={filter.verdict}
                        onChange={(e) => {
                            const value = e.target.value;
                            setFilter((f) => ({...f, verdict: isVerdict(value) ? value : 'all'}));
                            setLimit(PAGE_SIZE);
                        }}
                    >
                        <option value='all'>{intl.formatMessage({id: 'cix.report.filter.all', defaultMessage: 'All'})}</option>
                        {VERDICTS.map((v) => (
                            <option
                                key={v}
                                value={v}
                            >
                                {intl.formatMessage(severityMessages[v])}
                            </option>
                        ))}
                    </select>
                </label>
                <label className='cix-small'>
                    <FormattedMessage id='cix.report.filter.platform' defaultMessage='Platform'/>{' '}
                    <select
                        value={filter.platform}
                        onChange={(e) => {
                            const value = e.target.value;
                            setFilter((f) => ({...f, platform: isPlatform(value) ? value : 'all'}));
                            setLimit(PAGE_SIZE);
                        }}
                    >
                        <option value='all'>{intl.formatMessage({id: 'cix.report.filter.all', defaultMessage: 'All'})}</option>
                        {platforms.map((p) => (
                            <option
                                key={p}
                                value={p}
                            >
                                {intl.formatMessage(platformMessages[p])}
                            </option>
                        ))}
                    </select>
                </label>
                <span
                    className='cix-muted cix-small'
                    role='status'
                >
                    <FormattedMessage
                        id='cix.report.count'
                        defaultMessage='{shown} of {total} jobs'
                        values={{shown: visible.length, total: rows.length}}
                    />
                </span>
            </div>
            <div className='cix-scroll'>
                <table className='cix-table'>
                    <thead>
                        <tr>
                            <th scope='col'>
                                <span className='cix-sr-only'><FormattedMessage id='cix.report.col.details' defaultMessage='Details'/></span>
                            </th>
                            {COLUMNS.map((col) => (
                                <th
                                    key={col.key}
                                    scope='col'
                                    aria-sort={sort.key === col.key ? sort.direction : 'none'}
                                >
                                    <button
                                        type='button'
                                        className='cix-sort'
                                        onClick={() => setSort((s) => nextSort(s, col.key))}
                                    >
                                        {col.label}
                                        <span aria-hidden='true'>{sort.key === col.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}</span>
                                    </button>
                                </th>
                            ))}
                        </tr>
                    </thead>
                    <tbody>
                        {shown.map((row, index) => {
                            const base = rowKey(row);
                            const n = seen.get(base) ?? 0;
                            seen.set(base, n + 1);
                            const key = `${base}#${n}`;
                            const open = expanded.has(key);
                            const detailsId = `${idPrefix}-${index}`;
                            return (
                                <React.Fragment key={key}>
                                    <tr className={`cix-row cix-row--${row.verdict}`}>
                                        <td>
                                            <button
                                                type='button'
                                                className='cix-expand'
                                                aria-expanded={open}
                                                aria-controls={open ? detailsId : undefined}
                                                aria-label={intl.formatMessage({id: 'cix.report.expand', defaultMessage: 'Details of {job} in {repo}'}, {job: row.job, repo: row.repo})}
                                                onClick={() => toggleRow(key)}
                                            >
                                                <span aria-hidden='true'>{open ? '▾' : '▸'}</span>
                                            </button>
                                        </td>
                                        <td className='cix-cell--repo'>{row.repo}</td>
                                        <td><code><PathText text={usesText(row)}/></code></td>
                                        <td className='cix-cell--nowrap'><PlatformLabel platform={row.platform}/></td>
                                        <td>
                                            <span className='cix-muted cix-small'>{row.workflow}</span>
                                            {' '}
                                            <span className='cix-job'>{row.job}</span>
                                            {row.jobId && row.jobId !== row.job && (
                                                <span className='cix-muted cix-small'>{` (${row.jobId})`}</span>
                                            )}
                                            <RunsLine runs={row.runs}/>
                                        </td>
                                        <td><VerdictBadge row={row}/></td>
                                        <td><NameList names={row.secrets}/></td>
                                        <td><NameList names={row.tamper}/></td>
                                    </tr>
                                    {open && (
                                        <tr className='cix-row-details'>
                                            <td colSpan={COLUMNS.length + 1}>
                                                <RowDetails
                                                    row={row}
                                                    id={detailsId}
                                                />
                                            </td>
                                        </tr>
                                    )}
                                </React.Fragment>
                            );
                        })}
                        {visible.length === 0 && (
                            <tr>
                                <td
                                    colSpan={COLUMNS.length + 1}
                                    className='cix-muted'
                                >
                                    <FormattedMessage id='cix.report.noMatch' defaultMessage='No job matches these filters.'/>
                                </td>
                            </tr>
                        )}
                    </tbody>
                </table>
            </div>
            {visible.length > shown.length && (
                <button
                    type='button'
                    className='cix-button cix-button--link'
                    onClick={() => setLimit((l) => l + PAGE_SIZE)}
                >
                    <FormattedMessage id='cix.report.showMore' defaultMessage='Show {count} more' values={{count: Math.min(PAGE_SIZE, visible.length - shown.length)}}/>
                </button>
            )}
        </div>
    );
}
