/**
 * @jest-environment node
 *
 * The built plugin (main.js) in a real browser (Debian's Chromium through playwright-core), inside a
 * page that stands in for Mattermost's webapp (host/). Renders the checklist and the report from
 * fixture posts, clicks a milestone (the page's fake Mattermost answers the action as the bridge
 * would), sorts the report, opens the RHS, and saves screenshots in light and dark themes to
 * test-output/screenshots/. Without /usr/bin/chromium it says so in one line on stderr and skips.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';

import type {Channel} from '@mattermost/types/channels';
import {Preferences} from 'mattermost-redux/constants';
import configureStore from 'mattermost-redux/store/configureStore';
import {chromium, type Browser, type Page} from 'playwright-core';

import {CONTRACT_VERSION, PROPS_KEY} from '@cix/contract';

import {CHANNEL_ID, HOSTILE, NOW, OTHER_CHANNEL_ID, TEAM_ID, checklistPost, checklistProps, post, reportPost, reportProps, reportRows} from '../fixtures';
import type {HostBaseState, HostConfig} from './host/host';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
    process.stderr.write(`browser.spec: ${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium) to run the browser test\n`);
}
const webappDir = path.join(__dirname, '..', '..');
const repoRoot = path.join(webappDir, '..');
const nodeModules = path.join(repoRoot, 'node_modules');
const screenshots = path.join(repoRoot, 'test-output', 'screenshots');
const OTHER_INCIDENT_CHANNEL = 'incidentchannelb000000000a';

/** The fixture's due times, moved from the fixed NOW to the real clock the browser runs on. */
const liveMilestones = (): ReturnType<typeof checklistProps>['milestones'] => checklistProps().milestones.map((m) => ({...m, dueAt: m.dueAt === undefined ? undefined : Date.now() + (m.dueAt - NOW)}));
const checklist = checklistPost(checklistProps({milestones: liveMilestones()}));
const report = reportPost(reportProps({rows: reportRows().filter((r) => r.verdict !== 'low'), totalRows: 4, jsonFileId: 'reportfile0000000000000000'}));
const otherIncident = checklistPost(checklistProps({incidentId: 'inc-codecov', name: 'Codecov bash uploader', severity: 'high', milestones: liveMilestones()}), {channel_id: OTHER_INCIDENT_CHANNEL});
const fromTheFuture = post('custom_cix_checklist', {[PROPS_KEY]: {version: CONTRACT_VERSION + 1, kind: 'checklist'}}, {message: `**Checklist v2** for ${HOSTILE}`});

function channel(id: string, name: string, displayName: string, lastPostAt: number): Channel {
    return {
        id, name, display_name: displayName, last_post_at: lastPostAt, team_id: TEAM_ID, type: 'O', delete_at: 0, create_at: 1, update_at: 1,
        header: '', purpose: '', last_root_post_at: lastPostAt, creator_id: '', scheme_id: '', group_constrained: false,
    };
}

const channels = [
    channel(CHANNEL_ID, 'incident-tj-actions', 'Incident: tj-actions/changed-files', 3),
    channel(OTHER_INCIDENT_CHANNEL, 'incident-codecov', 'Incident: Codecov', 2),
    channel(OTHER_CHANNEL_ID, 'town-square', 'Town Square', 1),
];

/** The initial state, built by mattermost-redux's own reducers from the actions the webapp dispatches. */
function initialState(themeKey: 'denim' | 'onyx'): HostBaseState {
    const store = configureStore({appReducers: {}, getAppReducers: () => ({}), preloadedState: {}});
    const me = 'me000000000000000000000000';
    store.dispatch({type: 'RECEIVED_ME', data: {id: me, username: 'me', roles: 'system_user'}});
    store.dispatch({type: 'SELECT_TEAM', data: TEAM_ID});
    for (const c of channels) {
        store.dispatch({type: 'RECEIVED_CHANNEL', data: c});
        store.dispatch({type: 'RECEIVED_MY_CHANNEL_MEMBER', data: {channel_id: c.id, user_id: me, roles: 'channel_user', msg_count: 0, mention_count: 0, last_viewed_at: 0, notify_props: {}}});
    }
    store.dispatch({type: 'SELECT_CHANNEL', data: CHANNEL_ID});
    store.dispatch({type: 'RECEIVED_PREFERENCES', data: [{user_id: me, category: 'theme', name: '', value: JSON.stringify(Preferences.THEMES[themeKey])}]});
    for (const p of [checklist, report, otherIncident, fromTheFuture]) {
        store.dispatch({type: 'RECEIVED_POST', data: p});
    }
    const state: HostBaseState = JSON.parse(JSON.stringify(store.getState()));
    return state;
}

const VENDOR: Record<string, string> = {
    'react.js': 'react/umd/react.production.min.js',
    'react-dom.js': 'react-dom/umd/react-dom.production.min.js',
    'prop-types.js': 'prop-types/prop-types.min.js',
    'react-intl.js': 'react-intl/react-intl.iife.js',
};

function avatar(userId: string): string {
    const hue = [...userId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
    return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="hsl(${hue} 55% 50%)"/>` +
        `<text x="32" y="42" font-size="30" text-anchor="middle" fill="#fff" font-family="sans-serif">${userId.charAt(0).toUpperCase()}</text></svg>`;
}

function serve(buildDir: string): Promise<http.Server> {
    const files: Record<string, [string, string]> = {
        '/': [path.join(__dirname, 'host', 'page.html'), 'text/html'],
        '/host.js': [path.join(buildDir, 'host', 'host.js'), 'text/javascript'],
        '/plugin/main.js': [path.join(buildDir, 'plugin', 'main.js'), 'text/javascript'],
    };
    for (const [name, file] of Object.entries(VENDOR)) {
        files[`/vendor/${name}`] = [path.join(nodeModules, file), 'text/javascript'];
    }
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const image = /^\/api\/v4\/users\/([^/]+)\/image$/.exec(url.pathname);
        if (image) {
            res.writeHead(200, {'Content-Type': 'image/svg+xml'}).end(avatar(decodeURIComponent(image[1]!)));
            return;
        }
        if (url.pathname === '/favicon.ico') {
            res.writeHead(204).end();
            return;
        }
        const file = files[url.pathname];
        if (!file) {
            res.writeHead(404).end();
            return;
        }
        res.writeHead(200, {'Content-Type': file[1]}).end(readFileSync(file[0]));
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

(hasChromium ? describe : describe.skip)('the plugin in Chromium', () => {
    let buildDir: string;
    let server: http.Server;
    let browser: Browser;
    let baseUrl: string;

    beforeAll(async () => {
        buildDir = mkdtempSync(path.join(tmpdir(), 'cix-browser-'));
        // The plugin exactly as `make dist` builds it, into a private folder (webapp/dist is left alone).
        execFileSync('npm', ['run', 'build', '-w', 'webapp', '--', '--output-path', path.join(buildDir, 'plugin')], {cwd: repoRoot, stdio: 'pipe', timeout: 240_000});
        execFileSync(process.execPath, [path.join(nodeModules, 'webpack-cli', 'bin', 'cli.js'), '--config', path.join(__dirname, 'host', 'webpack.config.js')], {
            cwd: webappDir, stdio: 'pipe', timeout: 240_000, env: {...process.env, CIX_HOST_OUT: path.join(buildDir, 'host')},
        });
        server = await serve(buildDir);
        const address = server.address();
        if (address === null || typeof address === 'string') {
            throw new Error(`the test server did not bind a TCP port (${String(address)})`);
        }
        baseUrl = `http://127.0.0.1:${address.port}/`;
        browser = await chromium.launch({executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']});
        mkdirSync(screenshots, {recursive: true});
    }, 300_000);

    afterAll(async () => {
        await browser?.close();
        await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
        if (buildDir) {
            rmSync(buildDir, {recursive: true, force: true});
        }
    });

    async function open(themeKey: 'denim' | 'onyx'): Promise<{page: Page; problems: string[]}> {
        const page = await browser.newPage({viewport: {width: 1360, height: 1100}});
        const problems: string[] = [];
        page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
        page.on('console', (msg) => {
            if (msg.type() === 'error') {
                problems.push(`console: ${msg.text()}`);
            }
        });
        page.on('dialog', (dialog) => {
            problems.push(`dialog: ${dialog.message()}`);
            dialog.dismiss().catch(() => undefined);
        });
        await page.goto(baseUrl);
        const config: HostConfig = {
            state: initialState(themeKey),
            theme: Preferences.THEMES[themeKey],
            centre: [checklist.id, report.id, fromTheFuture.id],
            channels,
            files: {reportfile0000000000000000: {rows: reportRows()}},
            actionDelayMs: 700,
        };
        await page.evaluate((c) => window.cixHost?.boot(c), config);
        return {page, problems};
    }

    for (const [theme, themeKey] of [['light', 'denim'], ['dark', 'onyx']] as const) {
        it(`renders, toggles, sorts and opens the RHS (${theme} theme)`, async () => {
            const {page, problems} = await open(themeKey);

            // Checklist: progress, then a click that stays pending until the updated post arrives.
            const card = page.locator('.cix-checklist');
            await card.waitFor();
            expect(await card.locator('.cix-progress__text').textContent()).toBe('2 / 6');
            const rotate = page.getByRole('checkbox', {name: /Pin the action to a known-good SHA/});
            expect(await rotate.getAttribute('aria-checked')).toBe('false');
            await rotate.click();
            await page.locator('[role="checkbox"][aria-busy="true"]').waitFor();
            expect(await card.getByRole('status').textContent()).toBe('Saving…');
            await card.screenshot({path: path.join(screenshots, `checklist-pending-${theme}.png`)});
            await page.waitForFunction(() => document.querySelector('[role="checkbox"][aria-busy="true"]') === null);
            expect(await rotate.getAttribute('aria-checked')).toBe('true');
            expect(await card.locator('.cix-progress__text').textContent()).toBe('3 / 6');
            expect(await page.evaluate(() => window.cixHost?.requests())).toContainEqual({method: 'POST', path: `/api/v4/posts/${checklist.id}/actions/toggleM4`});

            // A failed click says so.
            await page.evaluate(() => window.cixHost?.setFailActions(true));
            await page.getByRole('checkbox', {name: /Stakeholder update/}).focus();
            await page.keyboard.press('Space');
            await card.getByRole('alert').waitFor();
            expect(await card.getByRole('alert').textContent()).toContain('Unable to reach the integration.');
            await page.evaluate(() => window.cixHost?.setFailActions(false));
            expect(await card.locator('.cix-due--overdue').textContent()).toMatch(/^overdue by 5m \d\ds$/);
            await card.screenshot({path: path.join(screenshots, `checklist-${theme}.png`)});

            // Report: sort by repository, expand a row into its chain, load the full report.
            const reportCard = page.locator('.cix-report');
            const repos = (): Promise<string[]> => reportCard.locator('tr.cix-row .cix-cell--repo').allTextContents();
            expect(await repos()).toEqual(['acme/api', 'acme/web', 'acme/docs']);
            await reportCard.getByRole('button', {name: 'Load the full report'}).click();
            await page.waitForFunction(() => document.querySelectorAll('.cix-report tr.cix-row').length === 4);
            await reportCard.getByRole('button', {name: 'Repository'}).click();
            expect(await repos()).toEqual(['acme/api', 'acme/docs', 'acme/tools', 'acme/web']);
            expect(await reportCard.locator('th[aria-sort="ascending"]').textContent()).toContain('Repository');
            await reportCard.getByRole('button', {name: 'Details of deploy in acme/web'}).click();
            const chain = reportCard.getByRole('list', {name: 'Chain from the pipeline to the component'});
            expect(await chain.locator('.cix-chain__kind').allTextContents()).toEqual(['pipeline', 'orb', 'orb', 'script']);
            await reportCard.getByRole('button', {name: `Details of ${HOSTILE} in acme/docs`}).click();
            expect(await reportCard.getByText(HOSTILE).count()).toBeGreaterThanOrEqual(2);
            await reportCard.screenshot({path: path.join(screenshots, `report-${theme}.png`)});

            // The unknown version falls back to its message, as text.
            const fallback = page.locator('.cix-fallback__text');
            expect(await fallback.textContent()).toBe(`**Checklist v2** for ${HOSTILE}`);
            expect(await page.locator('img[src="x"], a[href="http://evil"]').count()).toBe(0);

            // RHS, from the channel header button: the incident here, the open incidents elsewhere.
            await page.getByTestId('header-button').click();
            const rhs = page.getByTestId('rhs');
            await rhs.locator('.cix-incident').waitFor();
            expect(await rhs.locator('.cix-incident__name').textContent()).toContain('tj-actions/changed-files tag rewrite');
            expect(await rhs.locator('.cix-next').textContent()).toContain('Rotate exposed secrets');
            await rhs.screenshot({path: path.join(screenshots, `rhs-incident-${theme}.png`)});
            await page.evaluate((id) => window.cixHost?.selectChannel(id), OTHER_CHANNEL_ID);
            await rhs.getByRole('heading', {name: 'Open incidents (2)'}).waitFor();
            expect(await rhs.locator('.cix-open__item a').allTextContents()).toEqual(['tj-actions/changed-files tag rewrite', 'Codecov bash uploader']);
            await rhs.screenshot({path: path.join(screenshots, `rhs-elsewhere-${theme}.png`)});
            await page.screenshot({path: path.join(screenshots, `page-${theme}.png`), fullPage: true});

            // Teardown leaves nothing registered.
            const left = await page.evaluate(() => window.cixHost?.teardown());
            expect(left).toMatchObject({postTypes: 0, components: 0, wsHandlers: 0});
            expect(await page.locator('#cix-plugin-styles').count()).toBe(0);

            expect(problems).toEqual([]);
            await page.close();
        }, 120_000);
    }
});
