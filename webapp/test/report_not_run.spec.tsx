import '@testing-library/jest-dom';
import {screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import {ReportPost} from '../src/components/report/report_post';

import {reportPost, reportProps, row} from './fixtures';
import {renderWithStore} from './render';

function bodyRows(): HTMLElement[] {
    return screen.getAllByRole('row').filter((r) => r.classList.contains('cix-row'));
}

const rows = [
    // As the bridge writes them: most severe first, the jobs that did not run last.
    row({repo: 'acme/busy', job: 'build', verdict: 'high', runs: {state: 'ran', count: 3}}),
    row({repo: 'acme/old', job: 'docs', verdict: 'low', runs: {state: 'unavailable', count: 0}}),
    row({repo: 'acme/quiet', job: 'deploy', verdict: 'not-run', exposureVerdict: 'critical', runs: {state: 'not-run', count: 0}}),
];
const summary = {repos: 3, jobs: 9, affected: 3, unresolved: 0, errors: 0, byVerdict: {critical: 0, high: 1, medium: 0, low: 1, 'not-run': 1}, ran: 1};

describe('report post: the not-run verdict', () => {
    it('shows "not run · Critical" in the badge, after the jobs that ran; the legend counts it apart', () => {
        renderWithStore(<ReportPost post={reportPost(reportProps({rows, totalRows: 3, summary}))}/>);
        expect(bodyRows().map((r) => r.querySelector('.cix-badge')?.textContent)).toEqual(['High', 'Low', 'not run · Critical']);
        const badge = bodyRows()[2]!.querySelector('.cix-badge');
        expect(badge).toHaveClass('cix-sev--not-run');
        expect(badge).toHaveAttribute('data-exposure', 'critical');
        expect(bodyRows()[2]).toHaveClass('cix-row--not-run');
        expect(within(bodyRows()[2]!).getAllByRole('cell')[4]?.textContent).toBe('ci deploydid not run');
        const legend = screen.getAllByRole('listitem').filter((li) => li.classList.contains('cix-summary__item'));
        expect(legend.map((li) => li.textContent)).toEqual(['Critical0', 'High1', 'Medium0', 'Low1', 'Not run1', 'Unresolved0']);
        expect(screen.getByText('3 affected of 9 jobs in 3 repositories · 1 ran in the window')).toBeInTheDocument();
    });

    it('sorts not-run after every static verdict, and filters on it', async () => {
        const user = userEvent.setup();
        renderWithStore(<ReportPost post={reportPost(reportProps({rows: [...rows].reverse(), totalRows: 3, summary}))}/>);
        expect(bodyRows().map((r) => r.querySelector('.cix-cell--repo')?.textContent)).toEqual(['acme/busy', 'acme/old', 'acme/quiet']);
        await user.selectOptions(screen.getByRole('combobox', {name: /Verdict/}), 'not-run');
        expect(bodyRows().map((r) => r.querySelector('.cix-cell--repo')?.textContent)).toEqual(['acme/quiet']);
        expect(screen.getByRole('option', {name: 'Not run'})).toBeInTheDocument();
    });

    it('a post without run evidence shows no not-run bucket', () => {
        renderWithStore(<ReportPost post={reportPost(reportProps())}/>);
        const legend = screen.getAllByRole('listitem').filter((li) => li.classList.contains('cix-summary__item'));
        expect(legend.map((li) => li.getAttribute('data-verdict'))).toEqual(['critical', 'high', 'medium', 'low', 'unresolved']);
        expect(screen.queryByText(/ran in the window/)).toBeNull();
    });

    it('a not-run row without its static exposure: the Markdown fallback, never a bare "not run"', () => {
        const {exposureVerdict: _lost, ...bare} = rows[2]!;
        const {container} = renderWithStore(<ReportPost post={reportPost(reportProps({rows: [bare], totalRows: 1, summary}))}/>);
        expect(container.querySelector('.cix-fallback__text')).not.toBeNull();
        expect(container.querySelector('.cix-badge')).toBeNull();
    });
});
