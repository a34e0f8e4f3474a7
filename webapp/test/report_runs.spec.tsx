import '@testing-library/jest-dom';
import {screen} from '@testing-library/react';
import React from 'react';

import {ReportPost} from '../src/components/report/report_post';

import {reportPost, reportProps, reportRows, row} from './fixtures';
import {renderWithStore} from './render';

function jobCell(repo: string): HTMLElement {
    const tr = screen.getAllByRole('row').find((r) => r.querySelector('.cix-cell--repo')?.textContent === repo);
    const cell = tr?.querySelectorAll('td')[4];
    if (!cell) {
        throw new Error(`no row for ${repo}`);
    }
    return cell as HTMLElement;
}

describe('report table: runs in the window', () => {
    const rows = [
        row({repo: 'acme/open', job: 'changes', verdict: 'critical', runs: {state: 'ran', count: 14, first: '2025-03-14T16:00:00Z', last: '2025-03-15T11:00:00Z', resolution: 'malicious', publicLog: true}}),
        row({repo: 'acme/busy', job: 'build', verdict: 'high', runs: {state: 'ran', count: 1, first: '2025-03-14T16:00:00Z', last: '2025-03-14T16:00:00Z', resolution: 'clean'}}),
        row({repo: 'acme/quiet', job: 'lint', verdict: 'medium', runs: {state: 'not-run', count: 0}}),
        row({repo: 'acme/old', job: 'docs', verdict: 'low', runs: {state: 'unavailable', count: 0}}),
    ];

    it('says ran n× / did not run / run history unavailable under the job, the public log first, the malicious commit highlighted', () => {
        renderWithStore(<ReportPost post={reportPost(reportProps({rows, totalRows: 4}))}/>);
        expect(jobCell('acme/open').querySelector('.cix-runs')?.textContent).toBe('the secrets were readable by anyone who opened the log · ran 14× in the window · ran the malicious commit');
        const urgent = [...jobCell('acme/open').querySelectorAll('.cix-runs--urgent')].map((e) => e.textContent);
        expect(urgent).toEqual(['the secrets were readable by anyone who opened the log · ', 'ran the malicious commit']);
        expect(jobCell('acme/open').querySelector('.cix-runs span')).toHaveAttribute('title', '2025-03-14T16:00:00Z – 2025-03-15T11:00:00Z');
        expect(jobCell('acme/busy').querySelector('.cix-runs')?.textContent).toBe('ran 1× in the window · resolved to a clean commit');
        expect(jobCell('acme/busy').querySelector('.cix-runs--urgent')).toBeNull();
        expect(jobCell('acme/quiet').querySelector('.cix-runs')?.textContent).toBe('did not run');
        expect(jobCell('acme/old').querySelector('.cix-runs')?.textContent).toBe('run history unavailable');
        expect(screen.queryAllByText(/did not run/)).toHaveLength(1);
    });

    it('says the contexts CircleCI runs used, as text (a name with markup stays text); none read: nothing said', () => {
        const cci = [
            row({repo: 'acme/deploy', job: 'deploy', platform: 'circleci', verdict: 'critical', runs: {state: 'ran', count: 3, contexts: ['aws-prod', 'npm']}}),
            row({repo: 'acme/one', job: 'build', platform: 'circleci', verdict: 'high', runs: {state: 'ran', count: 1, contexts: ['<img src=x onerror=alert(1)> **npm**']}}),
            row({repo: 'acme/none', job: 'lint', platform: 'circleci', verdict: 'medium', runs: {state: 'ran', count: 2, contexts: []}}),
            row({repo: 'acme/unread', job: 'docs', platform: 'circleci', verdict: 'low', runs: {state: 'ran', count: 2}}),
        ];
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: cci, totalRows: 4}))}/>);
        expect(jobCell('acme/deploy').querySelector('.cix-runs')?.textContent).toBe('ran 3× in the window · used contexts aws-prod, npm');
        expect(jobCell('acme/one').querySelector('.cix-runs')?.textContent).toBe('ran 1× in the window · used context <img src=x onerror=alert(1)> **npm**');
        expect(jobCell('acme/one').querySelector('.cix-runs img')).toBeNull();
        expect(jobCell('acme/none').querySelector('.cix-runs')?.textContent).toBe('ran 2× in the window · used no context');
        expect(jobCell('acme/unread').querySelector('.cix-runs')?.textContent).toBe('ran 2× in the window');
        expect(document.querySelectorAll('.cix-runs__contexts')).toHaveLength(3);
    });

    it('an old post without runs is unchanged: no runs line', () => {
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: reportRows()}))}/>);
        expect(document.querySelectorAll('.cix-runs')).toHaveLength(0);
        expect(jobCell('acme/web').textContent).toBe('main deploy');
    });
});
