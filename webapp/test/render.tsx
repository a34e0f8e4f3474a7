import {render, type RenderResult} from '@testing-library/react';
import configureStore from 'mattermost-redux/store/configureStore';
import React from 'react';
import {IntlProvider} from 'react-intl';
import {Provider} from 'react-redux';
import type {Store} from 'redux';

import en from '../src/i18n/en.json';
import {STATE_KEY, reducer} from '../src/reducer';
import type {CixGlobalState} from '../src/selectors';
import type {PluginPost} from '../src/types/mattermost-webapp';

import {CHANNEL_ID, TEAM_ID} from './fixtures';

export interface TestStore extends Store {
    getState(): CixGlobalState;
}

/** A real store from mattermost-redux's reducers with the plugin's reducer mounted as Mattermost mounts it. */
export function makeStore(): TestStore {
    const store: TestStore = configureStore<CixGlobalState>({
        appReducers: {[STATE_KEY]: reducer},
        getAppReducers: () => ({[STATE_KEY]: reducer}),
        preloadedState: {},
    });
    store.dispatch({type: 'RECEIVED_ME', data: {id: 'me000000000000000000000000', username: 'me', roles: 'system_user'}});
    store.dispatch({type: 'SELECT_TEAM', data: TEAM_ID});
    store.dispatch({type: 'SELECT_CHANNEL', data: CHANNEL_ID});
    return store;
}

/** What the webapp does when a post arrives or changes (posted / post_edited over the WebSocket). */
export function receivePost(store: Store, post: PluginPost): void {
    store.dispatch({type: 'RECEIVED_POST', data: post});
}

export function renderWithStore(ui: React.ReactElement, store: Store = makeStore()): RenderResult {
    const wrapper = ({children}: {children: React.ReactNode}): React.ReactElement => (
        <Provider store={store}>
            <IntlProvider
                locale='en'
                messages={en}
                defaultLocale='en'
            >
                {children}
            </IntlProvider>
        </Provider>
    );
    return render(ui, {wrapper});
}

export interface FakeResponse {
    ok: boolean;
    status: number;
    text(): Promise<string>;
}

export function jsonResponse(status: number, body: unknown): FakeResponse {
    return {ok: status >= 200 && status < 300, status, text: () => Promise.resolve(JSON.stringify(body))};
}

/** Replaces the network (global fetch) for one test; returns the mock to script and inspect. */
export function mockFetch(): jest.Mock<Promise<FakeResponse>, [string, RequestInit?]> {
    const fn = jest.fn<Promise<FakeResponse>, [string, RequestInit?]>();
    Object.defineProperty(globalThis, 'fetch', {value: fn, configurable: true, writable: true});
    return fn;
}
