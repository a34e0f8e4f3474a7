import '@testing-library/jest-dom';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';

import {render, screen} from '@testing-library/react';
import React from 'react';
import {IntlProvider} from 'react-intl';

import {POST_TYPE_CHECKLIST, POST_TYPE_REPORT} from '@cix/contract';

import type {Channel} from '@mattermost/types/channels';

import {HeaderIcon} from '../src/components/rhs/header_icon';
import {appBarIconUrl} from '../src/components/rhs/icon';
import {POPOUT_STATE, POPOUT_STATE_REQUEST} from '../src/popout';
import {STYLE_ELEMENT_ID} from '../src/styles';
import type {PluginRegistry, PopoutListeners, WebSocketMessage} from '../src/types/mattermost-webapp';

import {checklistPost} from './fixtures';
import {makeStore} from './render';

interface Registered {
    initialize(registry: PluginRegistry, store: ReturnType<typeof makeStore>): void;
    uninitialize(): void;
}

const townSquare: Channel = {
    id: 'c1', create_at: 0, update_at: 0, delete_at: 0, team_id: 't1', type: 'O', display_name: 'Town Square', name: 'town-square',
    header: '', purpose: '', last_post_at: 0, last_root_post_at: 0, creator_id: '', scheme_id: '', group_constrained: false,
};

/** A registry that records everything still registered, as Mattermost's does per plugin. */
function recordingRegistry() {
    let next = 0;
    const live = new Map<string, string>();
    const handlers = new Map<string, (msg: WebSocketMessage) => void>();
    const reducers: unknown[] = [];
    const translations: Array<(locale: string) => Record<string, string>> = [];
    const headerActions: Array<{icon: React.ReactNode; action: () => void; tooltip: React.ReactNode}> = [];
    const add = (what: string): string => {
        const id = `id${next++}`;
        live.set(id, what);
        return id;
    };
    const registry: PluginRegistry = {
        registerPostTypeComponent: (type) => add(`post:${type}`),
        unregisterPostTypeComponent: (id) => void live.delete(id),
        registerRightHandSidebarComponent: () => ({id: add('rhs'), showRHSPlugin: {type: 'SHOW'}, hideRHSPlugin: {type: 'HIDE'}, toggleRHSPlugin: {type: 'TOGGLE_RHS_PLUGIN'}}),
        registerChannelHeaderButtonAction: (icon, action, _dropdown, tooltip) => {
            headerActions.push({icon, action: () => action(townSquare), tooltip});
            return add('header');
        },
        registerReducer: (reducer) => void reducers.push(reducer),
        registerWebSocketEventHandler: (event, handler) => void handlers.set(event, handler),
        unregisterWebSocketEventHandler: (event) => void handlers.delete(event),
        registerTranslations: (get) => void translations.push(get),
        unregisterComponent: (id) => void live.delete(id),
    };
    return {registry, live, handlers, reducers, translations, headerActions};
}

describe('plugin entry point', () => {
    /** The instance index.tsx hands to window.registerPlugin. */
    let plugin: Registered;

    beforeAll(async () => {
        const registerPlugin = jest.fn<void, [string, Registered]>();
        window.registerPlugin = registerPlugin;
        window.basename = '/chat';
        await import('../src/index');
        expect(registerPlugin).toHaveBeenCalledTimes(1);
        const [pluginId, instance] = registerPlugin.mock.calls[0]!;
        expect(pluginId).toBe('ci-exposure');
        plugin = instance;
    });

    it('registers post types, RHS, header button, reducer, WebSocket handlers and translations, and removes them all', async () => {
        const rec = recordingRegistry();
        const store = makeStore();
        const dispatched: string[] = [];
        const dispatch = store.dispatch;
        store.dispatch = (action) => {
            dispatched.push(action.type);
            return dispatch(action);
        };
        plugin.initialize(rec.registry, store);

        expect([...rec.live.values()].sort()).toEqual(['header', `post:${POST_TYPE_CHECKLIST}`, `post:${POST_TYPE_REPORT}`, 'rhs']);
        expect([...rec.handlers.keys()].sort()).toEqual(['post_deleted', 'post_edited', 'posted']);
        expect(rec.reducers).toHaveLength(1);
        expect(rec.translations[0]!('en')['cix.milestone.pending']).toBe('Saving…');
        expect(rec.translations[0]!('fr')).toEqual({});
        expect(document.getElementById(STYLE_ELEMENT_ID)).toBeInTheDocument();

        // The header button toggles the RHS; its icon and tooltip render.
        rec.headerActions[0]!.action();
        expect(dispatched).toContain('TOGGLE_RHS_PLUGIN');
        render(<IntlProvider locale='en'>{rec.headerActions[0]!.icon}{rec.headerActions[0]!.tooltip}</IntlProvider>);
        expect(screen.getByText('CI Exposure: incident and exposure')).toBeInTheDocument();

        // WebSocket handlers feed the plugin's state; action URLs follow the subpath.
        rec.handlers.get('posted')!({event: 'posted', data: {post: JSON.stringify(checklistPost())}});
        expect(Object.keys(store.getState()['plugins-ci-exposure']?.posts ?? {})).toHaveLength(1);
        const {apiUrl} = await import('../src/client');
        expect(apiUrl('/x')).toBe('http://localhost/chat/api/v4/x');

        plugin.uninitialize();
        expect([...rec.live.values()]).toEqual([]);
        expect(rec.handlers.size).toBe(0);
        expect(document.getElementById(STYLE_ELEMENT_ID)).toBeNull();
        expect(store.getState()['plugins-ci-exposure']).toEqual({toggles: {}, posts: {}, pinned: {}});
        expect(rec.translations.at(-1)!('en')).toEqual({});

        // A second uninitialize is harmless.
        plugin.uninitialize();
    });

    it('on a registry with the App Bar and RHS pop-outs (11.3+), also registers an App Bar item and answers pop-outs', () => {
        const rec = recordingRegistry();
        const appBar: Array<{iconUrl: string; action: () => void; tooltip: React.ReactNode}> = [];
        const popoutListeners: Array<[string, Parameters<NonNullable<PluginRegistry['registerRHSPluginPopoutListener']>>[1]]> = [];
        const registry: PluginRegistry = {
            ...rec.registry,
            registerAppBarComponent: (iconUrl, action, tooltip) => {
                appBar.push({iconUrl, action: () => action(townSquare), tooltip});
                return 'app-bar-item';
            },
            registerRHSPluginPopoutListener: (pluginId, listener) => void popoutListeners.push([pluginId, listener]),
        };
        const unregistered: string[] = [];
        registry.unregisterComponent = (id) => {
            unregistered.push(id);
            rec.registry.unregisterComponent(id);
        };
        const store = makeStore();
        const dispatched: string[] = [];
        const dispatch = store.dispatch;
        store.dispatch = (action) => {
            dispatched.push(action.type);
            return dispatch(action);
        };
        plugin.initialize(registry, store);

        // The header button stays (servers with the App Bar off); the App Bar item toggles the same RHS.
        expect([...rec.live.values()].sort()).toEqual(['header', `post:${POST_TYPE_CHECKLIST}`, `post:${POST_TYPE_REPORT}`, 'rhs']);
        expect(appBar).toHaveLength(1);
        expect(appBar[0]!.iconUrl).toBe(appBarIconUrl());
        appBar[0]!.action();
        expect(dispatched).toContain('TOGGLE_RHS_PLUGIN');
        render(<IntlProvider locale='en'>{appBar[0]!.tooltip}</IntlProvider>);
        expect(screen.getByText('CI Exposure: incident and exposure')).toBeInTheDocument();

        // A pop-out opened from this window gets the plugin's state when it asks.
        expect(popoutListeners.map(([id]) => id)).toEqual(['ci-exposure']);
        rec.handlers.get('posted')!({event: 'posted', data: {post: JSON.stringify(checklistPost())}});
        const sent: unknown[][] = [];
        let ask: ((channel: string, ...args: unknown[]) => void) | undefined;
        const listeners: Partial<PopoutListeners> = {sendToPopout: (...args: unknown[]) => void sent.push(args), onMessageFromPopout: (l) => {
            ask = l;
        }};
        popoutListeners[0]![1]('acme', 'incident', listeners);
        ask!(POPOUT_STATE_REQUEST);
        expect(sent).toEqual([[POPOUT_STATE, expect.objectContaining({posts: [expect.objectContaining({type: POST_TYPE_CHECKLIST})]})]]);

        plugin.uninitialize();
        expect(unregistered).toContain('app-bar-item');
        expect([...rec.live.values()]).toEqual([]);
        ask!(POPOUT_STATE_REQUEST);
        expect(sent).toHaveLength(1);
    });

    it('in an RHS pop-out window, asks the main window for the plugin\'s state', () => {
        const toParent: unknown[][] = [];
        window.WebappUtils = {popouts: {isPopoutWindow: () => true, sendToParent: (...args: unknown[]) => void toParent.push(args), onMessageFromParent: () => undefined}};
        try {
            plugin.initialize(recordingRegistry().registry, makeStore());
            expect(toParent).toEqual([[POPOUT_STATE_REQUEST]]);
            plugin.uninitialize();
        } finally {
            delete window.WebappUtils;
        }
    });
});

describe('icons', () => {
    const shapes = (parent: Element): string[] => [...parent.children].map((el) => `${el.tagName.toLowerCase()} ${['d', 'cx', 'cy', 'r'].map((a) => el.getAttribute(a) ?? '').join(' ')}`);
    const asset = new DOMParser().parseFromString(readFileSync(join(__dirname, '..', '..', 'assets', 'icon.svg'), 'utf8'), 'image/svg+xml').documentElement;

    it('the header icon draws the shapes of assets/icon.svg, in the theme\'s text colour', () => {
        const {container} = render(<HeaderIcon/>);
        const inline = container.querySelector('svg')!;
        expect(shapes(inline)).toEqual(shapes(asset));
        expect(inline.getAttribute('viewBox')).toBe(asset.getAttribute('viewBox'));
        expect(inline.getAttribute('stroke')).toBe('currentColor');
    });

    it('the App Bar icon is a data: URL of the same shapes, white on a disc', () => {
        const url = appBarIconUrl();
        expect(url.startsWith('data:image/svg+xml,')).toBe(true);
        const svg = new DOMParser().parseFromString(decodeURIComponent(url.slice('data:image/svg+xml,'.length)), 'image/svg+xml').documentElement;
        expect(svg.querySelector('parsererror')).toBeNull();
        expect(svg.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
        const [disc, group] = [...svg.children];
        expect(disc?.tagName).toBe('circle');
        expect(group?.getAttribute('stroke')).toBe('#ffffff');
        expect(shapes(group!)).toEqual(shapes(asset));
    });
});
