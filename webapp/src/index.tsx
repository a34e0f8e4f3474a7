import React from 'react';
import type {Dispatch} from 'redux';

import {POST_TYPE_CHECKLIST, POST_TYPE_REPORT} from '@cix/contract';

import {setSiteUrl} from './client';
import {ChecklistPost} from './components/checklist/checklist_post';
import {ReportPost} from './components/report/report_post';
import {HeaderDropdownText, HeaderTooltip, RhsTitle} from './components/rhs/header_button';
import {HeaderIcon} from './components/rhs/header_icon';
import {appBarIconUrl} from './components/rhs/icon';
import {RhsPanel} from './components/rhs/rhs_panel';
import {stopClock} from './hooks/use_now';
import {getTranslations} from './i18n';
import {manifest} from './manifest';
import {makePopoutOpenedListener, requestPopoutState} from './popout';
import {reducer, type CixAction} from './reducer';
import {getPluginState} from './selectors';
import {addStyles} from './styles';
import type {MattermostStore, PluginRegistry} from './types/mattermost-webapp';
import {makePostChangedHandler, makePostDeletedHandler} from './websocket';

export class Plugin {
    private registry: PluginRegistry | undefined;
    private store: MattermostStore | undefined;
    private componentIds: string[] = [];
    private postTypeIds: string[] = [];
    private webSocketEvents: string[] = [];
    private style: HTMLStyleElement | undefined;
    /** Pop-out listeners cannot be unregistered: they check this, which uninitialize turns off. */
    private session: {live: boolean} | undefined;

    initialize(registry: PluginRegistry, store: MattermostStore): void {
        this.registry = registry;
        this.store = store;
        const dispatch: Dispatch<CixAction> = store.dispatch;
        if (typeof window !== 'undefined' && window.location) {
            setSiteUrl(`${window.location.origin}${window.basename ?? ''}`);
        }
        if (typeof document !== 'undefined' && document.head) {
            this.style = addStyles(document);
        }

        registry.registerTranslations(getTranslations);
        registry.registerReducer(reducer);

        const changed = makePostChangedHandler(dispatch);
        for (const event of ['posted', 'post_edited']) {
            registry.registerWebSocketEventHandler(event, changed);
            this.webSocketEvents.push(event);
        }
        registry.registerWebSocketEventHandler('post_deleted', makePostDeletedHandler(dispatch));
        this.webSocketEvents.push('post_deleted');

        this.postTypeIds.push(registry.registerPostTypeComponent(POST_TYPE_CHECKLIST, ChecklistPost));
        this.postTypeIds.push(registry.registerPostTypeComponent(POST_TYPE_REPORT, ReportPost));

        const rhs = registry.registerRightHandSidebarComponent(RhsPanel, <RhsTitle/>);
        this.componentIds.push(rhs.id);
        const toggleRhs = (): void => {
            store.dispatch(rhs.toggleRHSPlugin);
        };
        // Both, as CONTRACTS §8.2 says: with the App Bar on (the default since 8.0) Mattermost shows the
        // App Bar item and drops this plugin's header button; without an App Bar (registry without the
        // method, or DisableAppBar=true) the header button is what the user sees.
        this.componentIds.push(registry.registerChannelHeaderButtonAction(<HeaderIcon/>, toggleRhs, <HeaderDropdownText/>, <HeaderTooltip/>));
        if (registry.registerAppBarComponent) {
            this.componentIds.push(registry.registerAppBarComponent(appBarIconUrl(), toggleRhs, <HeaderTooltip/>));
        }

        const session = {live: true};
        this.session = session;
        const isLive = (): boolean => session.live;
        if (registry.registerRHSPluginPopoutListener) {
            registry.registerRHSPluginPopoutListener(manifest.id, makePopoutOpenedListener(() => getPluginState(store.getState()), isLive));
        }
        const popouts = window.WebappUtils?.popouts;
        if (popouts?.isPopoutWindow?.()) {
            requestPopoutState(popouts, dispatch, isLive);
        }
    }

    uninitialize(): void {
        const registry = this.registry;
        if (!registry) {
            return;
        }
        if (this.session) {
            this.session.live = false;
            this.session = undefined;
        }
        for (const id of this.postTypeIds) {
            registry.unregisterPostTypeComponent(id);
        }
        for (const id of this.componentIds) {
            registry.unregisterComponent(id);
        }
        for (const event of this.webSocketEvents) {
            registry.unregisterWebSocketEventHandler(event);
        }
        // The registry cannot remove a reducer (Mattermost drops state['plugins-<id>'] with the
        // plugin); emptying it releases every post and pending click it held.
        this.store?.dispatch({type: 'cix/reset'} satisfies CixAction);
        registry.registerTranslations(() => ({}));
        stopClock();
        this.style?.remove();
        this.style = undefined;
        this.postTypeIds = [];
        this.componentIds = [];
        this.webSocketEvents = [];
        this.registry = undefined;
        this.store = undefined;
    }
}

window.registerPlugin(manifest.id, new Plugin());
