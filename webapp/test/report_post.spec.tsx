import '@testing-library/jest-dom';
import {screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {CONTRACT_VERSION, PROPS_KEY} from '@cix/contract';

import {ReportPost} from '../src/components/report/report_post';
import {parseFullReport} from '../src/components/report/full_report';
import {PAGE_SIZE} from '../src/components/report/report_table';

import {HOSTILE, post, reportPost, reportProps, reportRows, row} from './fixtures';
import {jsonResponse, mockFetch, renderWithStore} from './render';

function bodyRows(): HTMLElement[] {
    return screen.getAllByRole('row').filter((r) => r.classList.contains('cix-row'));
}

function repos(): string[] {
    return bodyRows().map((r) => r.querySelector('.cix-cell--repo')?.textContent ?? '');
}

describe('report post', () => {
    it('shows the summary by verdict and the affected jobs, most severe first', () => {
        renderWithStore(<ReportPost post={reportPost()}/>);
        expect(screen.getByText('tj-actions/changed-files tag rewrite (March 2025)')).toBeInTheDocument();
        const legend = screen.getAllByRole('listitem').filter((li) => li.classList.contains('cix-summary__item'));
        expect(legend.map((li) => li.textContent)).toEqual(['Critical1', 'High1', 'Medium1', 'Low1', 'Unresolved1']);
        expect(screen.getByText('4 affected of 140 jobs in 12 repositories')).toBeInTheDocument();
        expect(bodyRows().map((r) => r.querySelector('.cix-badge')?.textContent)).toEqual(['Critical', 'High', 'Medium', 'Low']);

        const deploy = bodyRows()[1]!;
        const cells = within(deploy).getAllByRole('cell').map((c) => c.textContent);
        expect(cells.slice(1)).toEqual(['acme/web', '.circleci/config.yml:40', 'CircleCI', 'main deploy', 'High', 'AWS_ACCESS_KEY_ID', 'S3 bucket']);
        expect(screen.getByRole('columnheader', {name: /Verdict/})).toHaveAttribute('aria-sort', 'ascending');
    });

    it('sorts by any column, toggling the direction', async () => {
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost()}/>);
        await user.click(screen.getByRole('button', {name: 'Repository'}));
        expect(screen.getByRole('columnheader', {name: /Repository/})).toHaveAttribute('aria-sort', 'ascending');
        expect(screen.getByRole('columnheader', {name: /Verdict/})).toHaveAttribute('aria-sort', 'none');
        expect(repos()).toEqual(['acme/api', 'acme/docs', 'acme/tools', 'acme/web']);
        await user.click(screen.getByRole('button', {name: /Repository/}));
        expect(screen.getByRole('columnheader', {name: /Repository/})).toHaveAttribute('aria-sort', 'descending');
        expect(repos()).toEqual(['acme/web', 'acme/tools', 'acme/docs', 'acme/api']);
        await user.click(screen.getByRole('button', {name: 'Secrets'}));
        expect(repos()).toEqual(['acme/api', 'acme/web', 'acme/docs', 'acme/tools']);
        await user.click(screen.getByRole('button', {name: 'Platform'}));
        expect(bodyRows().map((r) => r.querySelectorAll('td')[3]?.textContent)).toEqual(['GitHub Actions', 'GitHub Actions', 'CircleCI', 'GitLab CI']);
    });

    it('filters by verdict and platform', async () => {
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost()}/>);
        const verdict = screen.getByRole('combobox', {name: 'Verdict'});
        const platform = screen.getByRole('combobox', {name: 'Platform'});
        expect(within(platform).getAllByRole('option').map((o) => o.textContent)).toEqual(['All', 'GitHub Actions', 'CircleCI', 'GitLab CI']);

        await user.selectOptions(verdict, 'high');
        expect(repos()).toEqual(['acme/web']);
        expect(screen.getByText('1 of 4 jobs')).toBeInTheDocument();
        await user.selectOptions(platform, 'gitlab-ci');
        expect(bodyRows()).toHaveLength(0);
        expect(screen.getByText('No job matches these filters.')).toBeInTheDocument();
        await user.selectOptions(verdict, 'all');
        expect(repos()).toEqual(['acme/tools']);
        await user.selectOptions(platform, 'github-actions');
        expect(repos()).toEqual(['acme/api', 'acme/docs']);
    });

    it('expands a row into its chain, reasons and advice (keyboard too)', async () => {
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost()}/>);
        const expand = screen.getByRole('button', {name: 'Details of deploy in acme/web'});
        expect(expand).toHaveAttribute('aria-expanded', 'false');
        expand.focus();
        await user.keyboard('{Enter}');
        expect(expand).toHaveAttribute('aria-expanded', 'true');
        const chain = screen.getByRole('list', {name: 'Chain from the pipeline to the component'});
        const links = within(chain).getAllByRole('listitem');
        expect(links.map((l) => l.querySelector('.cix-chain__kind')?.textContent)).toEqual(['pipeline', 'orb', 'orb', 'script']);
        expect(links.map((l) => l.querySelector('code')?.textContent)).toEqual(['.circleci/config.yml', 'acme/deploy@1.2.0', 'codecov/codecov@1.0.0', 'https://codecov.io/bash']);
        expect(links[3]).toHaveClass('cix-chain__link--unresolved');
        expect(within(links[3]!).getByText('not resolved')).toBeInTheDocument();
        expect(document.getElementById(expand.getAttribute('aria-controls')!)).toHaveTextContent('rotate NPM_TOKEN');
        expect(screen.getByText('pin tj-actions/changed-files to a SHA')).toBeInTheDocument();
        await user.click(expand);
        expect(screen.queryByRole('list', {name: 'Chain from the pipeline to the component'})).not.toBeInTheDocument();
    });

    it('shows one row per job with every use as file:line, and the job key when it differs from its name', () => {
        const rows = [
            row({repo: 'umijs/qiankun', file: '.github/workflows/ci.yml', line: 12, job: 'Test on ${{ matrix.os }}', jobId: 'test', verdict: 'high',
                uses: [{file: '.github/workflows/ci.yml', line: 12}, {file: '.github/workflows/ci.yml', line: 30}, {file: '.github/actions/setup/action.yml', line: 4}]}),
            row({repo: 'acme/api', file: '.github/workflows/release.yml', line: 8, job: 'release', jobId: 'release', verdict: 'critical'}),
        ];
        renderWithStore(<ReportPost post={reportPost(reportProps({rows, totalRows: 2}))}/>);
        expect(screen.getByText('.github/workflows/ci.yml:12,30 .github/actions/setup/action.yml:4')).toBeInTheDocument();
        expect(screen.getByText('.github/workflows/release.yml:8')).toBeInTheDocument();
        expect(screen.getByText('(test)')).toBeInTheDocument();
        expect(screen.queryByText('(release)')).not.toBeInTheDocument();
        expect(screen.getByRole('columnheader', {name: /Uses \(file:line\)/})).toBeInTheDocument();
    });

    it('an incomplete answer is never "nothing is affected": the reasons are shown, also for posts without them', () => {
        const summary = {repos: 3, jobs: 9, affected: 0, unresolved: 2, errors: 1, byVerdict: {critical: 0, high: 0, medium: 0, low: 0}};
        const {unmount} = renderWithStore(<ReportPost post={reportPost(reportProps({rows: [], totalRows: 0, summary, incomplete: ['1 repository the source did not give (partial scan)', '2 components whose source could not be read']}))}/>);
        expect(screen.queryByText('No job ran the component: nothing is affected.')).not.toBeInTheDocument();
        expect(screen.getByRole('status')).toHaveTextContent('Incomplete: nothing affected was found in what was read, but what was not read is not known to be clean.');
        expect(screen.getByText('1 repository the source did not give (partial scan)')).toBeInTheDocument();
        unmount();
        // A post written before `incomplete` existed: its counts say it.
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: [], totalRows: 0, summary}))}/>);
        expect(screen.queryByText('No job ran the component: nothing is affected.')).not.toBeInTheDocument();
        expect(screen.getByText('2 component(s) whose source could not be read')).toBeInTheDocument();
        expect(screen.getByText('1 input error(s): files or repositories not read')).toBeInTheDocument();
    });

    it('a complete answer with nothing affected says so', () => {
        const summary = {repos: 3, jobs: 9, affected: 0, unresolved: 0, errors: 0, byVerdict: {critical: 0, high: 0, medium: 0, low: 0}};
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: [], totalRows: 0, summary}))}/>);
        expect(screen.getByText('No job ran the component: nothing is affected.')).toBeInTheDocument();
        expect(screen.queryByRole('status')).not.toBeInTheDocument();
    });

    it('renders a hostile job name, reason and indicator as text', async () => {
        const user = userEvent.setup();
        const {container} = renderWithStore(<ReportPost post={reportPost(reportProps({indicator: {id: HOSTILE, title: HOSTILE}}))}/>);
        await user.click(screen.getByRole('button', {name: `Details of ${HOSTILE} in acme/docs`}));
        expect(screen.getAllByText(HOSTILE).length).toBeGreaterThanOrEqual(3);
        expect(container.querySelector('img, a, [onerror]')).toBeNull();
    });

    it('loads the full report from the attached file on demand, validated row by row', async () => {
        const fetch = mockFetch();
        const full = [...reportRows(), row({repo: 'acme/extra', verdict: 'critical'}), {repo: 'broken'}];
        fetch.mockResolvedValue(jsonResponse(200, {version: CONTRACT_VERSION, rows: full}));
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: reportRows().slice(0, 2), totalRows: 6, jsonFileId: 'file0000000000000000000001'}))}/>);
        expect(bodyRows()).toHaveLength(2);
        expect(screen.getByText('This post holds the top 2 of 6 affected jobs.')).toBeInTheDocument();
        expect(fetch).not.toHaveBeenCalled();

        await user.click(screen.getByRole('button', {name: 'Load the full report'}));
        expect(fetch).toHaveBeenCalledWith('/api/v4/files/file0000000000000000000001', expect.objectContaining({method: 'GET'}));
        expect(await screen.findByText('5 of 5 jobs')).toBeInTheDocument();
        expect(repos()).toEqual(['acme/api', 'acme/extra', 'acme/web', 'acme/docs', 'acme/tools']);
        expect(screen.getByText('1 row of the attached report could not be read and is not shown.')).toBeInTheDocument();
        expect(screen.queryByRole('button', {name: 'Load the full report'})).not.toBeInTheDocument();
    });

    it('says why the full report could not be loaded', async () => {
        const fetch = mockFetch();
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost(reportProps({totalRows: 9, jsonFileId: 'f1'}))}/>);
        fetch.mockResolvedValueOnce(jsonResponse(404, {id: 'app.file_info.get.app_error', message: 'Unable to get the file info.'}));
        await user.click(screen.getByRole('button', {name: 'Load the full report'}));
        expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the full report: Unable to get the file info. (HTTP 404)');
        fetch.mockResolvedValueOnce(jsonResponse(200, {findings: []}));
        await user.click(screen.getByRole('button', {name: 'Load the full report'}));
        expect(await screen.findByRole('alert')).toHaveTextContent('the attached report has no "rows" list');
        fetch.mockResolvedValueOnce({ok: true, status: 200, text: () => Promise.resolve('<html>login</html>')});
        await user.click(screen.getByRole('button', {name: 'Load the full report'}));
        expect(await screen.findByRole('alert')).toHaveTextContent('the response is not JSON');
        expect(bodyRows()).toHaveLength(4);
    });

    it('says so when nothing is affected', () => {
        const summary = {repos: 3, jobs: 20, affected: 0, unresolved: 0, errors: 0, byVerdict: {critical: 0, high: 0, medium: 0, low: 0}};
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: [], totalRows: 0, summary}))}/>);
        expect(screen.getByText('No job ran the component: nothing is affected.')).toBeInTheDocument();
        expect(screen.queryByRole('table')).not.toBeInTheDocument();
    });

    it('pages long tables', async () => {
        const user = userEvent.setup();
        const many = Array.from({length: PAGE_SIZE + 7}, (_, i) => row({repo: `acme/r${String(i).padStart(3, '0')}`}));
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: many, totalRows: many.length}))}/>);
        expect(bodyRows()).toHaveLength(PAGE_SIZE);
        await user.click(screen.getByRole('button', {name: 'Show 7 more'}));
        expect(bodyRows()).toHaveLength(PAGE_SIZE + 7);
    });

    it('falls back to the message as plain text for other versions or broken props', () => {
        const message = 'Exposure report: **4** jobs <script>alert(1)</script>';
        for (const props of [
            {[PROPS_KEY]: {...reportProps(), version: 2}},
            {[PROPS_KEY]: {...reportProps(), summary: null}},
            {[PROPS_KEY]: {...reportProps(), rows: [{...row(), platform: 'bamboo'}]}},
            {[PROPS_KEY]: 'not an object'},
        ]) {
            const {container, unmount} = renderWithStore(<ReportPost post={post('custom_cix_report', props, {message})}/>);
            expect(container.querySelector('.cix-fallback__text')?.textContent).toBe(message);
            expect(container.querySelector('script, table')).toBeNull();
            unmount();
        }
    });
});

describe('parseFullReport', () => {
    it('accepts {rows} or a bare array and counts invalid rows', () => {
        expect(parseFullReport({rows: [row(), {}]})).toMatchObject({ok: true, invalid: 1, rows: [row()]});
        expect(parseFullReport([row()])).toMatchObject({ok: true, invalid: 0});
        expect(parseFullReport({rows: 'x'})).toEqual({ok: false, reason: 'the attached report has no "rows" list'});
        expect(parseFullReport(null)).toMatchObject({ok: false});
    });
});
