/**
 * The subset of Mattermost's webapp PluginRegistry (webapp/channels/src/plugins/registry.ts) that this
 * plugin uses, typed. Each register method returns the id used to unregister what it registered.
 */
import type React from 'react';
import type {Store} from 'redux';
import type {Channel, ChannelMembership} from '@mattermost/types/channels';
import type {Post} from '@mattermost/types/posts';
import type {Theme} from 'mattermost-redux/selectors/entities/preferences';

/** A post as Mattermost hands it to a post-type component (custom types are not in PostType's union). */
export type PluginPost = Omit<Post, 'type'> & {type: string};

export interface PostTypeComponentProps {
    post: PluginPost;
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

/** A WebSocket event as the webapp hands it to plugin handlers (websocket_actions handlePluginEvent). */
export interface WebSocketMessage {
    event: string;
    data: Record<string, unknown>;
    broadcast?: {channel_id?: string; user_id?: string; team_id?: string};
    seq?: number;
}

/** What an RHS pop-out's opener can do with that window (Mattermost 11.3+, utils/popouts/popout_windows.ts). */
export interface PopoutListeners {
    sendToPopout(channel: string, ...args: unknown[]): void;
    onMessageFromPopout(listener: (channel: string, ...args: unknown[]) => void): void;
    onClosePopout(listener: () => void): void;
}

/** window.WebappUtils.popouts (Mattermost 11.3+, plugins/export.ts): used inside a pop-out window. */
export interface WebappPopouts {
    isPopoutWindow(): boolean;
    sendToParent(channel: string, ...args: unknown[]): void;
    onMessageFromParent(listener: (channel: string, ...args: unknown[]) => void): void;
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
    /**
     * An App Bar item (6.3+; the App Bar is on by default since 8.0). Mattermost renders `iconUrl` as an
     * <img>. Absent from older registries: feature-detect it.
     */
    registerAppBarComponent?(
        iconUrl: string,
        action: (channel: Channel, channelMember?: ChannelMembership) => void,
        tooltipText: React.ReactNode,
    ): string;
    /**
     * 11.3+: called in the main window when the user pops the plugin's RHS out into its own window (which
     * starts with a fresh Redux store). Absent from older registries: feature-detect it.
     */
    registerRHSPluginPopoutListener?(
        pluginId: string,
        onPopoutOpened: (teamName: string, channelName: string | undefined, listeners: Partial<PopoutListeners>) => void,
    ): void;
    /** Stored at state['plugins-<pluginId>']; Mattermost drops it when the plugin is removed. */
    registerReducer<S>(reducer: (state: S | undefined, action: {type: string}) => S): void;
    registerWebSocketEventHandler(event: string, handler: (msg: WebSocketMessage) => void): void;
    unregisterWebSocketEventHandler(event: string): void;
    registerTranslations(getTranslationsForLocale: (locale: string) => Record<string, string>): void;
    unregisterComponent(componentId: string): void;
}

export type MattermostStore = Store;

declare global {
    interface Window {
        registerPlugin(pluginId: string, plugin: {initialize(registry: PluginRegistry, store: MattermostStore): void | Promise<void>; uninitialize?(): void}): void;
        /** Subpath Mattermost is served under ('' at the root); set by the webapp. */
        basename?: string;
        /** Mattermost's utilities exposed to plugins (plugins/export.ts); `popouts` from 11.3. */
        WebappUtils?: {browserHistory?: {push(path: string): void}; popouts?: Partial<WebappPopouts>};
    }
}

declare module 'react' {
    interface CSSProperties {
        [customProperty: `--${string}`]: string | undefined;
    }
}
