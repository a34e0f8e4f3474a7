/**
 * @jest-environment node
 *
 * The built plugin (main.js, built as `make dist` builds it) in a page with the globals of each generation
 * of Mattermost's web app it supports (test/host_page.ts): React 17 with react-redux 7, redux 4 and
 * react-intl 6 (Mattermost 9.x–11.0), React 18 with react-redux 9, redux 5 and react-intl 7 (11.1+).
 * For each: registerPlugin is called, both post types render a fixture post, the RHS renders, the
 * channel-header button and the App Bar item are registered and work, a milestone click goes through
 * the host's store, and uninitialize removes everything. A React 18-only API in the bundle fails the
 * React 17 generation (see the canary below, which shows the page catches one).
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {POST_TYPE_CHECKLIST, POST_TYPE_REPORT} from '@cix/contract';

import {CHANNEL_ID, checklistPost, reportPost} from './fixtures';
import {HOST_GENERATIONS, HostPage, baseState, type HostGeneration} from './host_page';

const repoRoot = path.join(__dirname, '..', '..');
const checklist = checklistPost();
const report = reportPost();

/** React APIs that React 17 does not have (CONTRACTS §8.1). */
const REACT_18_ONLY = ['createRoot', 'hydrateRoot', 'useId', 'useSyncExternalStore', 'useInsertionEffect', 'useTransition', 'useDeferredValue', 'startTransition'];
/**
 * What a bundled piece of React leaves in minified code: the automatic JSX runtime (tsconfig "jsx":
 * "react-jsx", bound to the host React's internals) or a copy of React itself. The classic transform
 * ("jsx": "react") calls the host's React.createElement and leaves none of these.
 */
const BUNDLED_REACT = ['__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED', 'react.element', 'jsx-runtime'];

let buildDir: string;
let mainJs: string;

beforeAll(() => {
    buildDir = mkdtempSync(path.join(tmpdir(), 'cix-hosts-'));
    // The plugin exactly as `make dist` builds it, into a private folder (webapp/dist is left alone).
    execFileSync('npm', ['run', 'build', '-w', 'webapp', '--', '--output-path', buildDir], {cwd: repoRoot, stdio: 'pipe', timeout: 240_000});
    mainJs = readFileSync(path.join(buildDir, 'main.js'), 'utf8');
}, 300_000);

afterAll(() => {
    if (buildDir) {
        rmSync(buildDir, {recursive: true, force: true});
    }
});

function mainWindow(generation: HostGeneration): HostPage {
    return new HostPage(generation, {state: baseState([checklist, report]), pinned: {[CHANNEL_ID]: [checklist]}});
}

function text(page: HostPage, selector: string): string | undefined {
    return page.document.querySelector(selector)?.textContent ?? undefined;
}

describe('main.js', () => {
    it('names no React 18-only API and carries no automatic JSX runtime', () => {
        expect(REACT_18_ONLY.filter((api) => new RegExp(`\\b${api}\\b`).test(mainJs))).toEqual([]);
        expect(BUNDLED_REACT.filter((name) => mainJs.includes(name))).toEqual([]);
        // The host's libraries are taken from window, not bundled.
        expect(mainJs).toMatch(/\bReactRedux\b/);
        expect(mainJs).toMatch(/\bReactIntl\b/);
    });
});

describe.each(HOST_GENERATIONS)('$releases', (generation) => {
    it('loads the libraries of that release', () => {
        const page = mainWindow(generation);
        const react = generation.mount === 'render' ? '17.0.2' : '18.2.0';
        expect(page.libs.React.version).toBe(react);
        expect(page.libs.ReactDOM.version).toBe(react);
        page.close();
    });

    it('registers, renders both post types and the RHS, works through the host store, and tears everything down', async () => {
        const page = mainWindow(generation);
        page.run(mainJs);
        expect(page.registered.map((r) => r.id)).toEqual(['ci-exposure']);
        await page.initialize();

        const kinds = [...page.registrations.values()].map((r) => (r.what === 'post-type' ? `post-type:${r.postType}` : r.what));
        expect(kinds.sort()).toEqual(['app-bar', 'header', `post-type:${POST_TYPE_CHECKLIST}`, `post-type:${POST_TYPE_REPORT}`, 'rhs']);
        expect([...page.wsHandlers.keys()].sort()).toEqual(['post_deleted', 'post_edited', 'posted']);
        expect(page.document.getElementById('cix-plugin-styles')).not.toBeNull();

        page.mount([checklist.id, report.id]);

        // The checklist post.
        const card = await page.waitFor('the checklist', () => page.document.querySelector('[data-post-id] .cix-checklist'));
        expect(card.querySelector('.cix-checklist__name')?.textContent).toBe('tj-actions/changed-files tag rewrite');
        expect(card.querySelector('.cix-progress__text')?.textContent).toBe('2 / 6');
        expect([...card.querySelectorAll('[role="checkbox"]')].map((b) => b.textContent)).toEqual([
            '✓Incident channel and owner', '✓Exposure scan of every organisation', 'Rotate exposed secrets',
            'Pin the action to a known-good SHA', 'Audit artifacts built in the window', 'Stakeholder update',
        ]);

        // The report post.
        const reportCard = page.document.querySelector(`[data-post-id="${report.id}"] .cix-report`);
        expect(reportCard).not.toBeNull();
        const repos = [...reportCard!.querySelectorAll('tr.cix-row .cix-cell--repo')].map((c) => c.textContent);
        expect(repos).toEqual(expect.arrayContaining(['acme/api', 'acme/web', 'acme/docs']));

        // The RHS: the incident of the current channel.
        expect(text(page, '[data-testid="rhs"] h2')).toBe('CI Exposure');
        await page.waitFor('the RHS incident', () => text(page, '[data-testid="rhs"] .cix-incident__name')?.includes('tj-actions/changed-files tag rewrite'));
        expect(text(page, '[data-testid="rhs"] .cix-next')).toContain('Rotate exposed secrets');

        // Channel-header button and App Bar item: both toggle the RHS.
        expect(page.document.querySelector('[data-testid="header-button"] svg.cix-header-icon')).not.toBeNull();
        expect(text(page, '[data-testid="header-tooltip"]')).toBe('CI Exposure: incident and exposure');
        expect(text(page, '[data-testid="app-bar-tooltip"]')).toBe('CI Exposure: incident and exposure');
        const iconUrl = page.document.querySelector('[data-testid="app-bar"] img')?.getAttribute('src') ?? '';
        expect(iconUrl).toMatch(/^data:image\/svg\+xml,/);
        const icon = new page.window.DOMParser().parseFromString(decodeURIComponent(iconUrl.slice('data:image/svg+xml,'.length)), 'image/svg+xml');
        expect(icon.documentElement.tagName).toBe('svg');
        const [appBar, header] = ['app-bar', 'header'].map((what) => [...page.registrations.values()].find((r) => r.what === what)!);
        appBar!.action!();
        expect(page.store.getState().host.rhsOpen).toBe(true);
        header!.action!();
        expect(page.store.getState().host.rhsOpen).toBe(false);

        // A milestone click: the action goes to Mattermost, the updated post comes back through the host's store.
        const pin = [...card.querySelectorAll('[role="checkbox"]')].find((b) => b.textContent === 'Pin the action to a known-good SHA')!;
        expect(pin.getAttribute('aria-checked')).toBe('false');
        page.click(pin);
        await page.waitFor('the click to settle', () => pin.getAttribute('aria-checked') === 'true' && pin.getAttribute('aria-busy') === 'false');
        expect(page.requests).toContain(`POST /api/v4/posts/${checklist.id}/actions/toggleM4`);
        expect(card.querySelector('.cix-progress__text')?.textContent).toBe('3 / 6');

        if (generation.popouts) {
            expect(page.popoutListeners.map((l) => l.pluginId)).toEqual(['ci-exposure']);
        }

        page.unmount();
        page.uninitialize();
        expect([...page.registrations.values()]).toEqual([]);
        expect(page.wsHandlers.size).toBe(0);
        expect(page.document.getElementById('cix-plugin-styles')).toBeNull();
        expect(page.store.getState()['plugins-ci-exposure']).toEqual({toggles: {}, posts: {}, pinned: {}});
        expect(page.problems).toEqual([]);
        page.close();
    }, 30_000);

    it('catches a React 18-only API: a canary plugin calling React.useId fails on React 17 and renders on React 18', async () => {
        const page = mainWindow(generation);
        page.run(`window.registerPlugin('canary', {initialize: function (registry) {
            registry.registerPostTypeComponent('${POST_TYPE_CHECKLIST}', function Canary() {
                return React.createElement('p', {id: React.useId(), className: 'canary'}, 'canary rendered');
            });
        }});`);
        await page.initialize();
        page.mount([checklist.id]);
        if (page.libs.React.version.startsWith('17.')) {
            await page.waitFor('the failure to be reported', () => page.problems.length > 0);
            expect(page.problems.join('\n')).toMatch(/useId is not a function/);
            expect(page.document.querySelector('.canary')).toBeNull();
        } else {
            await page.waitFor('the canary', () => text(page, '.canary') === 'canary rendered');
            expect(page.problems).toEqual([]);
            page.unmount();
        }
        page.close();
    });
});

describe('RHS pop-outs (Mattermost 11.3+)', () => {
    const generation = HOST_GENERATIONS.find((g) => g.popouts)!;

    it('the main window answers the pop-out with its state; the pop-out renders the incident from it', async () => {
        const main = mainWindow(generation);
        main.run(mainJs);
        await main.initialize();
        main.mount([]);
        // The RHS in the main window learns the pinned checklist of the channel.
        await main.waitFor('the main RHS', () => text(main, '.cix-incident__name'));

        // A pop-out: a fresh store (no posts) and a server that has no pins to give (so only the answer can help).
        const toParent: unknown[][] = [];
        let fromParent: ((channel: string, ...args: unknown[]) => void) | undefined;
        const popout = new HostPage(generation, {
            state: baseState([]),
            pinned: {},
            popout: {
                isPopoutWindow: () => true,
                sendToParent: (...args: unknown[]) => void toParent.push(args),
                onMessageFromParent: (listener) => {
                    fromParent = listener;
                },
            },
        });
        popout.run(mainJs);
        await popout.initialize();
        expect(toParent).toEqual([['cix-popout-state-request']]);
        popout.mount([]);
        await popout.waitFor('the pop-out RHS to look for incidents', () => popout.requests.includes(`GET /api/v4/channels/${CHANNEL_ID}/pinned`));
        expect(popout.document.querySelector('.cix-incident')).toBeNull();

        // Mattermost tells the main window a pop-out opened, and relays messages both ways.
        const toPopout: unknown[][] = [];
        let fromPopout: ((channel: string, ...args: unknown[]) => void) | undefined;
        main.popoutListeners[0]!.listener('acme', 'incident-tj-actions', {
            sendToPopout: (...args: unknown[]) => void toPopout.push(args),
            onMessageFromPopout: (listener) => {
                fromPopout = listener;
            },
        });
        fromPopout!(String(toParent[0]![0]));
        expect(toPopout).toHaveLength(1);
        expect(toPopout[0]![0]).toBe('cix-popout-state');
        // Across windows the answer is structured-cloned: hand the pop-out a copy.
        fromParent!(String(toPopout[0]![0]), JSON.parse(JSON.stringify(toPopout[0]![1])));

        await popout.waitFor('the pop-out RHS incident', () => text(popout, '.cix-incident__name')?.includes('tj-actions/changed-files tag rewrite'));

        // After uninitialize the main window no longer answers.
        main.unmount();
        main.uninitialize();
        fromPopout!('cix-popout-state-request');
        expect(toPopout).toHaveLength(1);

        popout.unmount();
        popout.uninitialize();
        expect(main.problems).toEqual([]);
        expect(popout.problems).toEqual([]);
        main.close();
        popout.close();
    }, 30_000);

    it('a pop-out nobody answers loads its data itself', async () => {
        const popout = new HostPage(generation, {
            state: baseState([]),
            pinned: {[CHANNEL_ID]: [checklist]},
            popout: {isPopoutWindow: () => true, sendToParent: () => undefined, onMessageFromParent: () => undefined},
        });
        popout.run(mainJs);
        await popout.initialize();
        popout.mount([]);
        await popout.waitFor('the pop-out RHS incident', () => text(popout, '.cix-incident__name')?.includes('tj-actions/changed-files tag rewrite'));
        popout.unmount();
        popout.uninitialize();
        expect(popout.problems).toEqual([]);
        popout.close();
    }, 30_000);
});
