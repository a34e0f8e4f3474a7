/**
 * The subset of Mattermost's webapp PluginRegistry (webapp/channels/src/plugins/registry.ts) that this
 * plugin uses, typed. Each method returns the id used to unregister what it registered.
 */
import type React from 'react';
import type {Store} from 'redux';
import type {Channel, ChannelMembership} from '@mattermost/types/channels';
import type {Post} from '@mattermost/types/posts';
import type {Theme} from 'mattermost-redux/selectors/entities/preferences';

export interface PostTypeComponentProps {
    post: Post;
    compactDisplay?: boolean;
    isRHS?: boolean;
    theme?: Theme;
}

export interface RhsRegistration {
    id: string;
    showRHSPlugin: {type: string};
    hideRHSPlugin: {type: string};
    toggleRHSPlugin: {type: string};
}

export interface PluginRegistry {
    registerPostTypeComponent(typeName: string, component: React.ComponentType<PostTypeComponentProps>): string;
    unregisterPostTypeComponent(componentId: string): void;
    registerRightHandSidebarComponent(component: React.ComponentType<Record<string, never>>, title: React.ReactNode): RhsRegistration;
    registerChannelHeaderButtonAction(
        icon: React.ReactNode,
        action: (channel: Channel, channelMember?: ChannelMembership) => void,
        dropdownText: React.ReactNode,
        tooltipText: React.ReactNode,
    ): string;
    registerReducer(reducer: (state: unknown, action: {type: string}) => unknown): void;
    registerWebSocketEventHandler(event: string, handler: (msg: {event: string; data: Record<string, unknown>}) => void): void;
    unregisterWebSocketEventHandler(event: string): void;
    registerTranslations(getTranslationsForLocale: (locale: string) => Record<string, string>): void;
    unregisterComponent(componentId: string): void;
}

export type MattermostStore = Store;

declare global {
    interface Window {
        registerPlugin(pluginId: string, plugin: {initialize(registry: PluginRegistry, store: MattermostStore): void | Promise<void>; uninitialize?(): void}): void;
    }
}
