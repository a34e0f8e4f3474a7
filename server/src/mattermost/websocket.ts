/**
 * The bot's WebSocket (`@mattermost/client`'s WebSocketClient over the `ws` package: Node 20 has no
 * global WebSocket). It watches incident channels for pinned messages: a pin arrives as `post_edited`
 * with `is_pinned: true` inside the JSON-string `data.post` (§7 recording).
 */
import { WebSocketClient } from '@mattermost/client';
import WebSocket from 'ws';
import { z } from 'zod';
import type { Logger } from '../logger';

const postJson = z
  .object({ id: z.string(), channel_id: z.string(), user_id: z.string(), message: z.string(), is_pinned: z.boolean().optional(), type: z.string().optional() })
  .passthrough();
export type WsPost = z.infer<typeof postJson>;

const eventSchema = z.object({ event: z.string(), data: z.record(z.string(), z.unknown()).optional() }).passthrough();

/** The post carried by a `posted`/`post_edited` event, or undefined. */
export function postOfEvent(message: unknown): { event: string; post: WsPost } | undefined {
  const parsed = eventSchema.safeParse(message);
  if (!parsed.success) return undefined;
  const { event, data } = parsed.data;
  if ((event !== 'post_edited' && event !== 'posted') || typeof data?.post !== 'string') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(data.post);
  } catch {
    return undefined;
  }
  const post = postJson.safeParse(raw);
  return post.success ? { event, post: post.data } : undefined;
}

export interface WebSocketListener {
  close(): void;
}

/**
 * WebSocketClient compares `readyState` with the global `WebSocket.OPEN`, which Node 20 lacks: provide
 * the `ws` class there (only when no global exists; Node 22+ has its own).
 */
function ensureGlobalWebSocket(): void {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
    Object.defineProperty(globalThis, 'WebSocket', { value: WebSocket, configurable: true, writable: true });
  }
}

export function listenWebSocket(options: {
  url: string;
  token: string;
  logger: Logger;
  onPost: (event: string, post: WsPost) => void;
  /** Called on the first connection and on every reconnection (events may have been missed). */
  onConnect?: () => void;
}): WebSocketListener {
  ensureGlobalWebSocket();
  const client = new WebSocketClient({
    newWebSocketFn: (url: string) => new WebSocket(url) as unknown as globalThis.WebSocket,
    minWebSocketRetryTime: 1000,
    maxWebSocketRetryTime: 30_000,
    clientPingInterval: 30_000,
  });
  client.addMessageListener((msg) => {
    const found = postOfEvent(msg);
    if (found) options.onPost(found.event, found.post);
  });
  client.addFirstConnectListener(() => {
    options.logger.info({}, 'websocket connected');
    options.onConnect?.();
  });
  client.addReconnectListener(() => {
    options.logger.info({}, 'websocket reconnected');
    options.onConnect?.();
  });
  client.initialize(options.url, options.token);
  return { close: () => client.close() };
}
