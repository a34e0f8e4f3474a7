/**
 * A page standing in for a given generation of Mattermost's web app, to load the built plugin into:
 * a fresh jsdom window whose React, ReactDOM, Redux, ReactRedux, ReactIntl and PropTypes globals are the
 * libraries that generation ships, set as Mattermost sets them (webapp/channels/src/plugins/export.ts:
 * `window.React = require('react')` …), a plugin registry, a Redux store, the plugin's post types, RHS,
 * channel-header button and App Bar item rendered with the host's React, and a fake REST API.
 *
 * The libraries are the npm packages of those versions (aliases such as `react-17`), evaluated inside the
 * page's window as CommonJS modules; inside them `require('react')` etc. resolve to the page's own copy,
 * so one React instance serves the host and the plugin, as in Mattermost. Development builds: React's
 * warnings (hooks, keys, act) reach `problems` through the page's console.
 */
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {pathToFileURL} from 'node:url';

import {JSDOM, VirtualConsole, type DOMWindow} from 'jsdom';
import {Preferences} from 'mattermost-redux/constants';
import configureStore from 'mattermost-redux/store/configureStore';

import {PROPS_KEY, parseChecklistProps} from '@cix/contract';

import type {PluginPost, PopoutListeners, WebappPopouts, WebSocketMessage} from '../src/types/mattermost-webapp';

import {CHANNEL_ID, OTHER_CHANNEL_ID, TEAM_ID} from './fixtures';

export const ME = 'me000000000000000000000000';
const SITE = 'http://localhost:8065';

type Library = 'react' | 'react-dom' | 'redux' | 'react-redux' | 'react-intl' | 'prop-types';

export interface HostGeneration {
    /** The Mattermost releases whose web app ships these libraries (CONTRACTS §8.1; README "Supported Mattermost versions"). */
    releases: string;
    /** The package installed here that each library is, in that web app. */
    packages: Record<Library, string>;
    /** How that web app mounts React: ReactDOM.render (React 17) or react-dom/client's createRoot (React 18). */
    mount: 'render' | 'createRoot';
    /** Whether its registry has registerRHSPluginPopoutListener and window.WebappUtils.popouts (11.3+). */
    popouts: boolean;
}

export const HOST_GENERATIONS: readonly HostGeneration[] = [
    {
        // React 17.0.2 from 7.7 to 11.0; react-redux 7.2.4 and redux 4.2.0 in the 8.0 web app, redux ^4.2.0
        // in mattermost-redux up to 11.0.4; react-intl ^6.3.2 in @mattermost/components 9.2.
        releases: 'Mattermost 9.x–11.0 (React 17)',
        packages: {'react': 'react-17', 'react-dom': 'react-dom-17', 'redux': 'redux-4', 'react-redux': 'react-redux-7', 'react-intl': 'react-intl-6', 'prop-types': 'prop-types'},
        mount: 'render',
        popouts: false,
    },
    {
        // The 11.3 web app: React 18.2.0, react-redux 9.2.0, redux 5.0.1; react-intl >= 7 (@mattermost/shared 11.8).
        releases: 'Mattermost 11.1+ (React 18)',
        packages: {'react': 'react', 'react-dom': 'react-dom', 'redux': 'redux', 'react-redux': 'react-redux', 'react-intl': 'react-intl-7', 'prop-types': 'prop-types'},
        mount: 'createRoot',
        popouts: true,
    },
];

// The host libraries, typed by the few members the page uses.
export interface HostReact {
    version: string;
    createElement(type: unknown, props?: Record<string, unknown> | null, ...children: unknown[]): unknown;
}
interface HostReactDOM {
    version: string;
    render(element: unknown, container: Element): void;
    unmountComponentAtNode(container: Element): boolean;
}
interface HostRoot {
    render(element: unknown): void;
    unmount(): void;
}
interface HostStore {
    dispatch(action: {type: string}): unknown;
    getState(): HostState;
    subscribe(listener: () => void): () => void;
}
interface HostLibraries {
    React: HostReact;
    ReactDOM: HostReactDOM;
    Redux: {createStore(reducer: (state: HostState | undefined, action: {type: string}) => HostState): HostStore};
    ReactRedux: {Provider: unknown; useSelector<T>(selector: (state: HostState) => T): T};
    ReactIntl: {IntlProvider: unknown};
}

export interface HostState {
    entities: {
        posts: {posts: Record<string, PluginPost>};
        channels: {currentChannelId: string};
        [key: string]: unknown;
    };
    host: {rhsOpen: boolean};
    [key: string]: unknown;
}

type PluginReducer = (state: unknown, action: {type: string}) => unknown;
type Component = (props: Record<string, unknown>) => unknown;

export interface PluginInstance {
    initialize(registry: unknown, store: unknown): void | Promise<void>;
    uninitialize?(): void;
}

/** The libraries of one generation, evaluated as CommonJS modules in the page's window. */
class WindowModules {
    private readonly cache = new Map<string, {exports: unknown}>();
    private readonly resolveHere = createRequire(__filename);

    constructor(private readonly window: DOMWindow, private readonly packages: Record<Library, string>) {}

    /** `require(request)` as seen from `fromFile`, with the host's libraries shared. */
    require(request: string, fromFile?: string): unknown {
        const library = (Object.keys(this.packages) as Library[]).find((name) => request === name || request.startsWith(`${name}/`));
        const file = library ?
            this.resolveHere.resolve(this.packages[library] + request.slice(library.length)) :
            createRequire(fromFile ?? __filename).resolve(request);
        return this.load(file);
    }

    private load(file: string): unknown {
        const cached = this.cache.get(file);
        if (cached) {
            return cached.exports;
        }
        const source = readFileSync(file, 'utf8');
        const module = {exports: {} as unknown};
        this.cache.set(file, module);
        if (file.endsWith('.json')) {
            module.exports = this.window.JSON.parse(source);
            return module.exports;
        }
        const factory: unknown = this.window.eval(`(function (module, exports, require, process) {${source}\n})\n//# sourceURL=${pathToFileURL(file).href}`);
        if (typeof factory !== 'function') {
            throw new Error(`${file} did not evaluate to a module factory`);
        }
        const process = {env: {NODE_ENV: 'development'}};
        factory.call(module.exports, module, module.exports, (request: string) => this.require(request, file), process);
        return module.exports;
    }
}

/** Mattermost's state as its reducers build it: the user, a team, two channels, a theme and the posts. */
export function baseState(posts: PluginPost[]): string {
    const store = configureStore({appReducers: {}, getAppReducers: () => ({}), preloadedState: {}});
    store.dispatch({type: 'RECEIVED_ME', data: {id: ME, username: 'me', roles: 'system_user'}});
    store.dispatch({type: 'SELECT_TEAM', data: TEAM_ID});
    for (const [id, name, lastPostAt] of [[CHANNEL_ID, 'incident-tj-actions', 2], [OTHER_CHANNEL_ID, 'town-square', 1]] as const) {
        store.dispatch({type: 'RECEIVED_CHANNEL', data: {id, name, display_name: name, team_id: TEAM_ID, type: 'O', delete_at: 0, last_post_at: lastPostAt, create_at: 1, update_at: 1}});
        store.dispatch({type: 'RECEIVED_MY_CHANNEL_MEMBER', data: {channel_id: id, user_id: ME, roles: 'channel_user', msg_count: 0, mention_count: 0, last_viewed_at: 0, notify_props: {}}});
    }
    store.dispatch({type: 'SELECT_CHANNEL', data: CHANNEL_ID});
    store.dispatch({type: 'RECEIVED_PREFERENCES', data: [{user_id: ME, category: 'theme', name: '', value: JSON.stringify(Preferences.THEMES.denim)}]});
    for (const p of posts) {
        store.dispatch({type: 'RECEIVED_POST', data: p});
    }
    return JSON.stringify(store.getState());
}

/** What the bridge does on a milestone click: flips it and answers Mattermost with the updated post. */
function toggled(post: PluginPost, actionId: string): PluginPost | undefined {
    const parsed = parseChecklistProps(post.props);
    if (!parsed.ok || !parsed.value.milestones.some((m) => m.actionId === actionId)) {
        return undefined;
    }
    const milestones = parsed.value.milestones.map((m) => (m.actionId === actionId ? {...m, done: !m.done, doneAt: Date.now(), doneBy: {userId: ME, username: 'me'}} : m));
    return {...post, update_at: Date.now(), edit_at: Date.now(), props: {...post.props, [PROPS_KEY]: {...parsed.value, milestones}}};
}

interface FakeResponse {
    ok: boolean;
    status: number;
    text(): Promise<string>;
}

function json(status: number, body: unknown): FakeResponse {
    return {ok: status >= 200 && status < 300, status, text: () => Promise.resolve(JSON.stringify(body))};
}

export interface Registration {
    id: string;
    what: 'post-type' | 'rhs' | 'header' | 'app-bar';
    postType?: string;
    component?: Component;
    title?: unknown;
    icon?: unknown;
    iconUrl?: string;
    tooltip?: unknown;
    action?: () => void;
}

export interface HostOptions {
    /** State (from baseState) the store starts with. */
    state: string;
    /** Pinned posts the fake API returns, by channel id (a pop-out has the pins but not the posts). */
    pinned: Record<string, PluginPost[]>;
    /** The pop-out side of window.WebappUtils.popouts, when this page is an RHS pop-out (11.3+). */
    popout?: Partial<WebappPopouts>;
}

export class HostPage {
    readonly window: DOMWindow;
    readonly document: Document;
    /** Console errors and warnings of the page, uncaught errors, failed mounts: a clean run has none. */
    readonly problems: string[] = [];
    readonly requests: string[] = [];
    readonly registered: Array<{id: string; plugin: PluginInstance}> = [];
    readonly registrations = new Map<string, Registration>();
    readonly wsHandlers = new Map<string, (msg: WebSocketMessage) => void>();
    readonly popoutListeners: Array<{pluginId: string; listener: (teamName: string, channelName: string | undefined, listeners: Partial<PopoutListeners>) => void}> = [];
    readonly libs: HostLibraries;
    readonly store: HostStore;
    private readonly modules: WindowModules;
    private readonly pluginReducers = new Map<string, PluginReducer>();
    private translations: (locale: string) => Record<string, string> = () => ({});
    private root: HostRoot | undefined;
    private nextId = 0;
    private readonly container: Element;

    constructor(readonly generation: HostGeneration, private readonly options: HostOptions) {
        const virtualConsole = new VirtualConsole();
        for (const level of ['error', 'warn'] as const) {
            virtualConsole.on(level, (...args: unknown[]) => this.problems.push(`console.${level}: ${args.map(String).join(' ')}`));
        }
        virtualConsole.on('jsdomError', (err: Error) => this.problems.push(`uncaught: ${err.message}`));
        const dom = new JSDOM('<!doctype html><html><head></head><body><div id="root"></div></body></html>', {
            url: `${SITE}/acme/channels/incident-tj-actions`, runScripts: 'outside-only', pretendToBeVisual: true, virtualConsole,
        });
        this.window = dom.window;
        this.document = dom.window.document;
        this.container = this.document.getElementById('root')!;
        this.modules = new WindowModules(this.window, generation.packages);

        // plugins/export.ts: window.React = require('react') …
        const expose = (name: string, value: unknown): unknown => {
            Reflect.set(this.window, name, value);
            return value;
        };
        this.libs = {
            React: expose('React', this.modules.require('react')) as HostReact,
            ReactDOM: expose('ReactDOM', this.modules.require('react-dom')) as HostReactDOM,
            Redux: expose('Redux', this.modules.require('redux')) as HostLibraries['Redux'],
            ReactRedux: expose('ReactRedux', this.modules.require('react-redux')) as HostLibraries['ReactRedux'],
            ReactIntl: expose('ReactIntl', this.modules.require('react-intl')) as HostLibraries['ReactIntl'],
        };
        expose('PropTypes', this.modules.require('prop-types'));
        if (options.popout) {
            expose('WebappUtils', {popouts: options.popout});
        }
        expose('registerPlugin', (id: string, plugin: PluginInstance): void => {
            this.registered.push({id, plugin});
        });
        expose('fetch', (url: string, init?: {method?: string}) => this.fetch(url, init?.method ?? 'GET'));

        const initial: HostState = {...this.window.JSON.parse(options.state), host: {rhsOpen: false}};
        this.store = this.libs.Redux.createStore((state, action) => this.reduce(state ?? initial, action));
    }

    /** Evaluates a script in the page, as a <script> tag would; a thrown error is a problem, not a crash. */
    run(code: string): void {
        try {
            this.window.eval(code);
        } catch (err) {
            this.problems.push(`script: ${err instanceof Error ? err.message : String(err)}`);
        }
    }

    /** What the web app does once the plugin registered: initialize(registry, store). */
    async initialize(): Promise<void> {
        const entry = this.registered[0];
        if (!entry) {
            throw new Error('the plugin did not call window.registerPlugin');
        }
        await entry.plugin.initialize(this.registry(entry.id), this.store);
        this.store.dispatch({type: 'host/plugin-initialized'});
    }

    uninitialize(): void {
        this.registered[0]?.plugin.uninitialize?.();
    }

    private registry(pluginId: string): Record<string, unknown> {
        const add = (registration: Omit<Registration, 'id'>): string => {
            this.nextId++;
            const id = `host${this.nextId}`;
            this.registrations.set(id, {id, ...registration});
            return id;
        };
        const registry: Record<string, unknown> = {
            registerPostTypeComponent: (postType: string, component: Component) => add({what: 'post-type', postType, component}),
            unregisterPostTypeComponent: (id: string) => void this.registrations.delete(id),
            registerRightHandSidebarComponent: (component: Component, title: unknown) => {
                const id = add({what: 'rhs', component, title});
                const toggle = {type: 'host/toggle-rhs'};
                return {id, showRHSPlugin: toggle, hideRHSPlugin: toggle, toggleRHSPlugin: toggle};
            },
            registerChannelHeaderButtonAction: (icon: unknown, action: (channel: unknown) => void, _dropdownText: unknown, tooltip: unknown) =>
                add({what: 'header', icon, tooltip, action: () => action(this.currentChannel())}),
            // Every supported release has the App Bar (6.3+, on by default since 8.0).
            registerAppBarComponent: (iconUrl: string, action: (channel: unknown) => void, tooltip: unknown) =>
                add({what: 'app-bar', iconUrl, tooltip, action: () => action(this.currentChannel())}),
            registerReducer: (reducer: PluginReducer) => void this.pluginReducers.set(`plugins-${pluginId}`, reducer),
            registerWebSocketEventHandler: (event: string, handler: (msg: WebSocketMessage) => void) => void this.wsHandlers.set(event, handler),
            unregisterWebSocketEventHandler: (event: string) => void this.wsHandlers.delete(event),
            registerTranslations: (get: (locale: string) => Record<string, string>) => {
                this.translations = get;
            },
            unregisterComponent: (id: string) => void this.registrations.delete(id),
        };
        if (this.generation.popouts) {
            registry.registerRHSPluginPopoutListener = (id: string, listener: HostPage['popoutListeners'][number]['listener']) =>
                void this.popoutListeners.push({pluginId: id, listener});
        }
        return registry;
    }

    private currentChannel(): unknown {
        const state = this.store.getState();
        const channels = state.entities.channels as {currentChannelId: string; channels?: Record<string, unknown>};
        return channels.channels?.[channels.currentChannelId];
    }

    private reduce(state: HostState, action: {type: string; data?: unknown}): HostState {
        let next = state;
        if (action.type === 'RECEIVED_POST') {
            const post = action.data as PluginPost;
            next = {...next, entities: {...next.entities, posts: {...next.entities.posts, posts: {...next.entities.posts.posts, [post.id]: post}}}};
        } else if (action.type === 'host/toggle-rhs') {
            next = {...next, host: {rhsOpen: !next.host.rhsOpen}};
        }
        for (const [key, reducer] of this.pluginReducers) {
            const slice = reducer(next[key], action);
            if (slice !== next[key]) {
                next = {...next, [key]: slice};
            }
        }
        return next;
    }

    /** The part of Mattermost's REST API the plugin calls, answering as a server (and the bridge) would. */
    private async fetch(url: string, method: string): Promise<FakeResponse> {
        const path = new URL(url, SITE).pathname;
        this.requests.push(`${method} ${path}`);
        const action = /^\/api\/v4\/posts\/([^/]+)\/actions\/([A-Za-z0-9]+)$/.exec(path);
        if (action && method === 'POST') {
            const post = this.store.getState().entities.posts.posts[action[1]!];
            const updated = post && toggled(post, action[2]!);
            if (!updated) {
                return json(404, {id: 'api.post.do_action.action_id.app_error', message: 'Unable to find the action.', status_code: 404});
            }
            const copy = this.window.JSON.parse(JSON.stringify(updated)) as PluginPost;
            this.store.dispatch({type: 'RECEIVED_POST', data: copy} as {type: string});
            this.wsHandlers.get('post_edited')?.({event: 'post_edited', data: {post: JSON.stringify(updated)}});
            return json(200, {status: 'OK'});
        }
        const pinned = /^\/api\/v4\/channels\/([^/]+)\/pinned$/.exec(path);
        if (pinned && method === 'GET') {
            const posts = this.options.pinned[pinned[1]!] ?? [];
            return json(200, {order: posts.map((p) => p.id), posts: Object.fromEntries(posts.map((p) => [p.id, p]))});
        }
        return json(404, {message: `no such route: ${method} ${path}`});
    }

    /** Renders the web app's parts that show the plugin: the centre channel's posts, the RHS, header and App Bar. */
    mount(postIds: string[]): void {
        const {React, ReactRedux, ReactIntl} = this.libs;
        const h = React.createElement;
        const registrations = [...this.registrations.values()];
        const postTypes = new Map(registrations.filter((r) => r.what === 'post-type').map((r) => [r.postType, r.component]));
        const rhs = registrations.find((r) => r.what === 'rhs');
        const header = registrations.find((r) => r.what === 'header');
        const appBar = registrations.find((r) => r.what === 'app-bar');
        const theme = Preferences.THEMES.denim;

        // Mattermost's PostMessageView: the registered component for the post's type gets {post, compactDisplay, isRHS, theme}.
        const HostPost = ({postId}: {postId: string}): unknown => {
            const post = ReactRedux.useSelector((s) => s.entities.posts.posts[postId]);
            const Component = post && postTypes.get(post.type);
            return h('article', {'data-post-id': postId}, Component ? h(Component, {post, compactDisplay: false, isRHS: false, theme}) : post?.message);
        };
        const app = h('div', {className: 'host'},
            h('header', {'data-testid': 'channel-header'}, header && h('button', {type: 'button', 'data-testid': 'header-button'}, header.icon, h('span', {'data-testid': 'header-tooltip'}, header.tooltip))),
            h('main', {'data-testid': 'centre'}, ...postIds.map((id) => h(HostPost, {key: id, postId: id}))),
            h('aside', {'data-testid': 'rhs'}, rhs && h('h2', null, rhs.title), rhs?.component && h(rhs.component, {})),
            h('nav', {'data-testid': 'app-bar'}, appBar && h('div', {className: 'app-bar__icon'}, h('img', {src: appBar.iconUrl, alt: 'ci-exposure'}), h('span', {'data-testid': 'app-bar-tooltip'}, appBar.tooltip))),
        );
        const tree = h(ReactRedux.Provider, {store: this.store}, h(ReactIntl.IntlProvider, {locale: 'en', defaultLocale: 'en', messages: this.translations('en')}, app));
        try {
            if (this.generation.mount === 'createRoot') {
                const client = this.modules.require('react-dom/client') as {createRoot(container: Element): HostRoot};
                this.root = client.createRoot(this.container);
                this.root.render(tree);
            } else {
                this.libs.ReactDOM.render(tree, this.container);
            }
        } catch (err) {
            this.problems.push(`mount: ${err instanceof Error ? err.message : String(err)}`);
        }
    }

    unmount(): void {
        if (this.root) {
            this.root.unmount();
            this.root = undefined;
        } else {
            this.libs.ReactDOM.unmountComponentAtNode(this.container);
        }
    }

    /** Waits (on the real clock) until `check` returns something, or fails with what the page shows. */
    async waitFor<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
            const found = check();
            if (found) {
                return found;
            }
            if (Date.now() > deadline) {
                throw new Error(`${this.generation.releases}: timed out waiting for ${what}; page: ${this.container.textContent ?? ''}; problems: ${this.problems.join(' | ')}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 10));
        }
    }

    click(element: Element): void {
        element.dispatchEvent(new this.window.MouseEvent('click', {bubbles: true, cancelable: true}));
    }

    close(): void {
        this.window.close();
    }
}
