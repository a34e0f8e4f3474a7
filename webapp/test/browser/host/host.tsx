/**
 * A stand-in for Mattermost's webapp, for the browser test: it provides the globals Mattermost gives
 * plugins (Redux and ReactRedux here; React, ReactDOM, PropTypes and ReactIntl come from their UMD
 * builds), window.registerPlugin, a registry, a Redux store, a centre channel that renders posts
 * through the registered post-type components, a channel header with the registered buttons, the RHS,
 * and a fake Mattermost API (post actions answered as the bridge would, pinned posts, files).
 */
import React from 'react';
import {createRoot, type Root} from 'react-dom/client';
import {IntlProvider} from 'react-intl';
import * as ReactRedux from 'react-redux';
import * as Redux from 'redux';

import type {Channel} from '@mattermost/types/channels';

import {PROPS_KEY, parseChecklistProps} from '@cix/contract';

import type {MattermostStore, PluginPost, PluginRegistry, PostTypeComponentProps, WebSocketMessage} from '../../../src/types/mattermost-webapp';

type Theme = NonNullable<PostTypeComponentProps['theme']>;

interface Plugin {
    initialize(registry: PluginRegistry, store: MattermostStore): void | Promise<void>;
    uninitialize?(): void;
}

export interface HostConfig {
    /** Initial state built by mattermost-redux's reducers (serialised). */
    state: HostBaseState;
    theme: Theme;
    /** Post ids shown in the centre channel, in order. */
    centre: string[];
    channels: Channel[];
    files: Record<string, unknown>;
    actionDelayMs: number;
}

export interface HostBaseState {
    entities: {
        posts: {posts: Record<string, PluginPost>};
        channels: {currentChannelId: string};
        [key: string]: unknown;
    };
    [key: string]: unknown;
}

export type HostState = HostBaseState & {host: {rhsOpen: boolean}};

type HostAction =
    | {type: 'RECEIVED_POST'; data: PluginPost}
    | {type: 'SELECT_CHANNEL'; data: string}
    | {type: 'TOGGLE_RHS'};

type PluginReducer = (state: unknown, action: {type: string}) => unknown;

declare global {
    interface Window {
        Redux?: typeof Redux;
        ReactRedux?: typeof ReactRedux;
        cixHost?: typeof host;
    }
}

const registered: Array<{id: string; plugin: Plugin}> = [];
const postTypes = new Map<string, {id: string; component: React.ComponentType<PostTypeComponentProps>}>();
const components = new Map<string, string>();
const headerButtons = new Map<string, {icon: React.ReactNode; action: (channel: Channel) => void; tooltip: React.ReactNode}>();
const wsHandlers = new Map<string, (msg: WebSocketMessage) => void>();
const pluginReducers: PluginReducer[] = [];
let rhs: {component: React.ComponentType<Record<string, never>>; title: React.ReactNode} | undefined;
let translations: (locale: string) => Record<string, string> = () => ({});
let nextId = 0;
const requests: Array<{method: string; path: string}> = [];
let failActions = false;
let reactRoot: Root | undefined;

function newId(): string {
    nextId++;
    return `host${nextId}`;
}

window.registerPlugin = (id: string, plugin: Plugin): void => {
    registered.push({id, plugin});
};

window.Redux = Redux;
window.ReactRedux = ReactRedux;

const HOST_ACTIONS: ReadonlySet<string> = new Set<HostAction['type']>(['RECEIVED_POST', 'SELECT_CHANNEL', 'TOGGLE_RHS']);

function isHostAction(action: {type: string}): action is HostAction {
    return HOST_ACTIONS.has(action.type);
}

function baseReducer(state: HostState, action: {type: string}): HostState {
    if (!isHostAction(action)) {
        return state;
    }
    switch (action.type) {
    case 'RECEIVED_POST': {
        const post = action.data;
        return {...state, entities: {...state.entities, posts: {...state.entities.posts, posts: {...state.entities.posts.posts, [post.id]: post}}}};
    }
    case 'SELECT_CHANNEL':
        return {...state, entities: {...state.entities, channels: {...state.entities.channels, currentChannelId: action.data}}};
    case 'TOGGLE_RHS':
        return {...state, host: {rhsOpen: !state.host.rhsOpen}};
    }
}

function makeStore(initial: HostState): Redux.Store<HostState> {
    const root = (state: HostState | undefined, action: {type: string}): HostState => {
        let next = baseReducer(state ?? initial, action);
        pluginReducers.forEach((reducer, i) => {
            const key = `plugins-${registered[i]?.id ?? 'unknown'}`;
            const slice = reducer(next[key], action);
            if (slice !== next[key]) {
                next = {...next, [key]: slice};
            }
        });
        return next;
    };
    return Redux.legacy_createStore(root);
}

const registry: PluginRegistry = {
    registerPostTypeComponent(type, component) {
        const id = newId();
        postTypes.set(type, {id, component});
        return id;
    },
    unregisterPostTypeComponent(id) {
        for (const [type, entry] of postTypes) {
            if (entry.id === id) {
                postTypes.delete(type);
            }
        }
    },
    registerRightHandSidebarComponent(component, title) {
        const id = newId();
        rhs = {component, title};
        components.set(id, 'rhs');
        return {id, showRHSPlugin: {type: 'TOGGLE_RHS'}, hideRHSPlugin: {type: 'TOGGLE_RHS'}, toggleRHSPlugin: {type: 'TOGGLE_RHS'}};
    },
    registerChannelHeaderButtonAction(icon, action, _dropdownText, tooltip) {
        const id = newId();
        headerButtons.set(id, {icon, action, tooltip});
        components.set(id, 'header');
        return id;
    },
    registerReducer(reducer) {
        // Like Mattermost, the host cannot know the slice's type: it hands back what the reducer made.
        pluginReducers.push(reducer as PluginReducer);
    },
    registerWebSocketEventHandler(event, handler) {
        wsHandlers.set(event, handler);
    },
    unregisterWebSocketEventHandler(event) {
        wsHandlers.delete(event);
    },
    registerTranslations(get) {
        translations = get;
    },
    unregisterComponent(id) {
        if (components.get(id) === 'rhs') {
            rhs = undefined;
        }
        components.delete(id);
        headerButtons.delete(id);
    },
};

function json(status: number, body: unknown): Response {
    return new Response(JSON.stringify(body), {status, headers: {'Content-Type': 'application/json'}});
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** What the bridge does on a milestone click: flips it and answers Mattermost with the updated post. */
function toggled(post: PluginPost, actionId: string): PluginPost | undefined {
    const parsed = parseChecklistProps(post.props);
    if (!parsed.ok || !parsed.value.milestones.some((m) => m.actionId === actionId)) {
        return undefined;
    }
    const checklist = parsed.value;
    const milestones = checklist.milestones.map((m) => (m.actionId === actionId ? {...m, done: !m.done, doneAt: Date.now(), doneBy: {userId: 'me000000000000000000000000', username: 'me'}} : m));
    return {...post, update_at: Date.now(), edit_at: Date.now(), props: {...post.props, [PROPS_KEY]: {...checklist, milestones}}};
}

function installFakeApi(store: Redux.Store<HostState>, config: HostConfig): void {
    const realFetch = window.fetch.bind(window);
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
        const url = new URL(input instanceof Request ? input.url : String(input), window.location.href);
        const method = init?.method ?? 'GET';
        requests.push({method, path: url.pathname});
        const state = store.getState();
        let m = /^\/api\/v4\/posts\/([^/]+)\/actions\/([A-Za-z0-9]+)$/.exec(url.pathname);
        if (m && method === 'POST') {
            await delay(config.actionDelayMs);
            const post = state.entities.posts.posts[decodeURIComponent(m[1]!)];
            if (failActions) {
                return json(400, {id: 'api.post.do_action.action_integration.app_error', message: 'Unable to reach the integration.', status_code: 400});
            }
            const updated = post && toggled(post, m[2]!);
            if (!updated) {
                return json(404, {id: 'api.post.do_action.action_id.app_error', message: 'Unable to find the action.', status_code: 404});
            }
            // The integration's update replaces the post; Mattermost broadcasts post_edited.
            store.dispatch({type: 'RECEIVED_POST', data: updated});
            wsHandlers.get('post_edited')?.({event: 'post_edited', data: {post: JSON.stringify(updated)}});
            return json(200, {status: 'OK', trigger_id: 'trigger'});
        }
        m = /^\/api\/v4\/channels\/([^/]+)\/pinned$/.exec(url.pathname);
        if (m) {
            const pinned = Object.values(state.entities.posts.posts).filter((p) => p.channel_id === m![1] && p.is_pinned);
            return json(200, {order: pinned.map((p) => p.id), posts: Object.fromEntries(pinned.map((p) => [p.id, p]))});
        }
        m = /^\/api\/v4\/files\/([^/]+)$/.exec(url.pathname);
        if (m) {
            const file = config.files[m[1]!];
            return file === undefined ? json(404, {message: 'Unable to get the file.'}) : json(200, file);
        }
        return realFetch(input, init);
    };
}

function Post({postId, theme}: {postId: string; theme: Theme}): React.ReactElement | null {
    const post = ReactRedux.useSelector((s: HostState) => s.entities.posts.posts[postId]);
    if (!post) {
        return null;
    }
    const Component = postTypes.get(post.type)?.component;
    return (
        <article
            className='host-post'
            data-post-id={postId}
        >
            <div className='host-post__avatar'>{'CI'}</div>
            <div className='host-post__body'>
                <div className='host-post__author'>{'ci-exposure'}<span className='host-bot'>{'BOT'}</span></div>
                {Component ? (
                    <Component
                        post={post}
                        theme={theme}
                    />
                ) : <p>{post.message}</p>}
            </div>
        </article>
    );
}

function App({config}: {config: HostConfig}): React.ReactElement {
    const rhsOpen = ReactRedux.useSelector((s: HostState) => s.host.rhsOpen);
    const channelId = ReactRedux.useSelector((s: HostState) => s.entities.channels.currentChannelId);
    const channel = config.channels.find((c) => c.id === channelId);
    const Rhs = rhs?.component;
    return (
        <div className='host-app'>
            <main className='host-centre'>
                <header className='host-header'>
                    <strong>{channel?.display_name ?? channelId}</strong>
                    {[...headerButtons.entries()].map(([id, b]) => (
                        <button
                            key={id}
                            type='button'
                            className='host-header__button'
                            data-testid='header-button'
                            onClick={() => channel && b.action(channel)}
                        >
                            {b.icon}
                            <span className='host-tooltip'>{b.tooltip}</span>
                        </button>
                    ))}
                </header>
                <div className='host-posts'>
                    {config.centre.map((id) => (
                        <Post
                            key={id}
                            postId={id}
                            theme={config.theme}
                        />
                    ))}
                </div>
            </main>
            {rhsOpen && Rhs && (
                <aside
                    className='host-rhs'
                    data-testid='rhs'
                >
                    <div className='host-rhs__title'>{rhs?.title}</div>
                    <div className='host-rhs__body'><Rhs/></div>
                </aside>
            )}
        </div>
    );
}

let hostStore: Redux.Store<HostState> | undefined;

const host = {
    async boot(config: HostConfig): Promise<void> {
        const plugin = registered[0]?.plugin;
        if (!plugin) {
            throw new Error('the plugin did not call window.registerPlugin');
        }
        const store = makeStore({...config.state, host: {rhsOpen: false}});
        hostStore = store;
        installFakeApi(store, config);
        document.documentElement.style.setProperty('--center-channel-bg', config.theme.centerChannelBg);
        document.documentElement.style.setProperty('--center-channel-color', config.theme.centerChannelColor);
        document.body.style.background = config.theme.centerChannelBg;
        document.body.style.color = config.theme.centerChannelColor;
        await plugin.initialize(registry, store);
        store.dispatch({type: '@@host/plugin-initialized'});
        reactRoot = createRoot(document.getElementById('root')!);
        reactRoot.render(
            <ReactRedux.Provider store={store}>
                <IntlProvider
                    locale='en'
                    messages={translations('en')}
                >
                    <App config={config}/>
                </IntlProvider>
            </ReactRedux.Provider>,
        );
    },
    selectChannel(id: string): void {
        hostStore?.dispatch({type: 'SELECT_CHANNEL', data: id});
    },
    setFailActions(fail: boolean): void {
        failActions = fail;
    },
    requests(): Array<{method: string; path: string}> {
        return requests;
    },
    /** Unmounts the UI and uninitialises the plugin; returns what is still registered. */
    teardown(): {postTypes: number; components: number; wsHandlers: number; styles: number} {
        reactRoot?.unmount();
        registered[0]?.plugin.uninitialize?.();
        return {postTypes: postTypes.size, components: components.size, wsHandlers: wsHandlers.size, styles: document.querySelectorAll('head style').length};
    },
};

window.cixHost = host;
