import React from 'react';

import {POST_TYPE_CHECKLIST, POST_TYPE_REPORT} from '@cix/contract';

import {ChecklistPost} from './components/checklist/checklist_post';
import {ReportPost} from './components/report/report_post';
import {RhsPanel} from './components/rhs/rhs_panel';
import {HeaderIcon} from './components/rhs/header_icon';
import {manifest} from './manifest';
import type {MattermostStore, PluginRegistry} from './types/mattermost-webapp';

export class Plugin {
    private registry: PluginRegistry | undefined;
    private componentIds: string[] = [];
    private postTypeIds: string[] = [];

    initialize(registry: PluginRegistry, store: MattermostStore): void {
        this.registry = registry;
        this.postTypeIds.push(registry.registerPostTypeComponent(POST_TYPE_CHECKLIST, ChecklistPost));
        this.postTypeIds.push(registry.registerPostTypeComponent(POST_TYPE_REPORT, ReportPost));

        const rhs = registry.registerRightHandSidebarComponent(RhsPanel, 'CI Exposure');
        this.componentIds.push(rhs.id);
        this.componentIds.push(registry.registerChannelHeaderButtonAction(
            <HeaderIcon/>,
            () => {
                store.dispatch(rhs.toggleRHSPlugin);
            },
            'CI Exposure',
            'CI Exposure: incident and exposure',
        ));
    }

    uninitialize(): void {
        const registry = this.registry;
        if (!registry) {
            return;
        }
        for (const id of this.postTypeIds) {
            registry.unregisterPostTypeComponent(id);
        }
        for (const id of this.componentIds) {
            registry.unregisterComponent(id);
        }
        this.postTypeIds = [];
        this.componentIds = [];
        this.registry = undefined;
    }
}

window.registerPlugin(manifest.id, new Plugin());
