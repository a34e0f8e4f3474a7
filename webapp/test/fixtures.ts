/** Fixture posts as the bridge would post them (contract version 1), plus hostile and odd variants. */
import {
    CONTRACT_VERSION, POST_TYPE_CHECKLIST, POST_TYPE_REPORT, PROPS_KEY,
    type ChecklistProps, type ReportProps, type ReportRow,
} from '@cix/contract';

import type {PluginPost} from '../src/types/mattermost-webapp';

export const HOSTILE = '@channel [x](http://evil) <img src=x onerror=alert(1)>';
export const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);
export const CHANNEL_ID = 'incidentchannel0000000000a';
export const OTHER_CHANNEL_ID = 'townsquare00000000000000aa';
export const TEAM_ID = 'team0000000000000000000000';
const MINUTE = 60_000;

const alice = {userId: 'alice000000000000000000000', username: 'alice'};
const bob = {userId: 'bob00000000000000000000000', username: 'bob'};

export function checklistProps(overrides: Partial<ChecklistProps> = {}): ChecklistProps {
    return {
        version: CONTRACT_VERSION,
        kind: 'checklist',
        incidentId: 'inc-2025-tj-actions',
        name: 'tj-actions/changed-files tag rewrite',
        severity: 'critical',
        status: 'open',
        startedAt: NOW - 90 * MINUTE,
        owner: alice,
        milestones: [
            {id: 'm1', title: 'Incident channel and owner', done: true, actionId: 'toggleM1', doneBy: alice, doneAt: NOW - 80 * MINUTE, assignee: alice},
            {id: 'm2', title: 'Exposure scan of every organisation', done: true, actionId: 'toggleM2', assignee: bob, doneBy: bob, doneAt: NOW - 60 * MINUTE},
            {id: 'm3', title: 'Rotate exposed secrets', done: false, actionId: 'toggleM3', assignee: bob, dueAt: NOW - 5 * MINUTE},
            {id: 'm4', title: 'Pin the action to a known-good SHA', done: false, actionId: 'toggleM4', assignee: alice, dueAt: NOW + 80 * MINUTE},
            {id: 'm5', title: 'Audit artifacts built in the window', done: false, actionId: 'toggleM5', dueAt: NOW + 26 * 60 * MINUTE},
            {id: 'm6', title: 'Stakeholder update', done: false, actionId: 'toggleM6'},
        ],
        lastUpdate: {text: 'Secrets of 3 repositories rotated; 2 to go.', at: NOW - 10 * MINUTE, by: alice},
        exposure: {repos: 12, jobs: 140, affected: 9, unresolved: 2, errors: 1, byVerdict: {critical: 2, high: 3, medium: 3, low: 1}},
        ...overrides,
    };
}

export function row(overrides: Partial<ReportRow> = {}): ReportRow {
    return {
        repo: 'acme/api',
        file: '.github/workflows/ci.yml',
        line: 12,
        platform: 'github-actions',
        workflow: 'ci',
        job: 'build',
        verdict: 'high',
        secrets: ['NPM_TOKEN'],
        tamper: ['npm package'],
        chain: [
            {kind: 'workflow', ref: '.github/workflows/ci.yml', file: '.github/workflows/ci.yml', line: 12},
            {kind: 'composite-action', ref: 'acme/setup@v2'},
            {kind: 'action', ref: 'tj-actions/changed-files@v35'},
        ],
        reasons: ['runs tj-actions/changed-files@v35 (a rewritten tag) inside the window'],
        advice: ['rotate NPM_TOKEN', 'pin tj-actions/changed-files to a SHA'],
        ...overrides,
    };
}

export function reportRows(): ReportRow[] {
    return [
        row({repo: 'acme/api', job: 'release', verdict: 'critical', secrets: ['NPM_TOKEN', 'AWS_SECRET_ACCESS_KEY']}),
        row({repo: 'acme/web', file: '.circleci/config.yml', line: 40, platform: 'circleci', workflow: 'main', job: 'deploy', verdict: 'high',
            secrets: ['AWS_ACCESS_KEY_ID'], tamper: ['S3 bucket'],
            chain: [
                {kind: 'pipeline', ref: '.circleci/config.yml', file: '.circleci/config.yml', line: 40},
                {kind: 'orb', ref: 'acme/deploy@1.2.0'},
                {kind: 'orb', ref: 'codecov/codecov@1.0.0'},
                {kind: 'script', ref: 'https://codecov.io/bash', unresolved: true},
            ]}),
        row({repo: 'acme/tools', file: '.gitlab-ci.yml', line: 7, platform: 'gitlab-ci', workflow: 'pipeline', job: 'lint', verdict: 'low', secrets: [], tamper: []}),
        row({repo: 'acme/docs', job: HOSTILE, verdict: 'medium', secrets: ['GITHUB_TOKEN'], tamper: [], reasons: [HOSTILE]}),
    ];
}

export function reportProps(overrides: Partial<ReportProps> = {}): ReportProps {
    return {
        version: CONTRACT_VERSION,
        kind: 'report',
        incidentId: 'inc-2025-tj-actions',
        indicator: {id: 'tj-actions-changed-files-2025', title: 'tj-actions/changed-files tag rewrite (March 2025)'},
        summary: {repos: 12, jobs: 140, affected: 4, unresolved: 1, errors: 0, byVerdict: {critical: 1, high: 1, medium: 1, low: 1}},
        rows: reportRows(),
        totalRows: 4,
        ...overrides,
    };
}

let nextId = 0;

export function post(type: string, props: Record<string, unknown>, overrides: Partial<PluginPost> = {}): PluginPost {
    nextId++;
    return {
        id: `post${String(nextId).padStart(22, '0')}`,
        create_at: NOW - 60 * MINUTE,
        update_at: NOW - 60 * MINUTE,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: 'bridgebot00000000000000000',
        channel_id: CHANNEL_ID,
        root_id: '',
        original_id: '',
        message: '**Checklist** (install the CI Exposure plugin to see it live)',
        type,
        props,
        hashtags: '',
        pending_post_id: '',
        reply_count: 0,
        metadata: {embeds: [], emojis: [], files: [], images: {}},
        ...overrides,
    };
}

/** A checklist post, with attachment buttons carrying Mattermost's action cookies as a real post does. */
export function checklistPost(props: ChecklistProps = checklistProps(), overrides: Partial<PluginPost> = {}): PluginPost {
    return post(POST_TYPE_CHECKLIST, {
        [PROPS_KEY]: props,
        attachments: [{actions: props.milestones.map((m) => ({id: m.actionId, name: m.title, type: 'button', cookie: `cookie-${m.actionId}`}))}],
    }, {is_pinned: true, ...overrides});
}

export function reportPost(props: ReportProps = reportProps(), overrides: Partial<PluginPost> = {}): PluginPost {
    return post(POST_TYPE_REPORT, {[PROPS_KEY]: props}, {message: '**Exposure report**: 4 affected jobs', ...overrides});
}
