/**
 * The bot's WebSocket (`@mattermost/client`'s WebSocketClient over the `ws` package: Node 20 has no
 * global WebSocket). It watches incident channels for pinned messages: a pin arrives as `post_edited`
 * with `is_pinned: true` inside the JSON-string `data.post` (§7 recording).
 *
 * It rides out Mattermost restarts, upgrades and network drops of any length (CONTRACTS §8.7):
 *
 *   ws socket ──frames──▶ guard ──▶ WebSocketClient ──▶ hello / posts / missed-message listener
 *      ▲ Authorization header                 │ reconnect with backoff, connection_id + sequence_number
 *      └──────────── newWebSocketFn ◀─────────┘
 *
 * - The upgrade request carries `Authorization: Bearer <token>`, so the server honours
 *   `?connection_id=&sequence_number=` and replays what a short drop lost (no resync needed).
 * - A missed-message listener is always registered: when the server answers with a new connection id
 *   (restart, long drop, lost queue) the `onResync` callback re-reads over REST what the bridge tracks;
 *   the same happens after the first `hello`. A failing resync is retried with backoff.
 * - Nothing the library or a listener throws leaves this module: every socket event is dispatched under
 *   a guard (a failure closes the socket, the client reconnects), `CloseEvent` (used by the client on a
 *   sequence gap or ping timeout, missing in Node 20) is provided, and a watchdog replaces a client that
 *   stopped reconnecting. It never gives up.
 * - `status()` / `health()` say whether it is connected, or since when it is reconnecting and why;
 *   transitions are logged once (not every retry). No token is ever logged.
 */
import { WebSocketClient, type WebSocketMessage } from '@mattermost/client';
import WebSocket from 'ws';
import { z } from 'zod';
import type { HealthCheck } from '../http/app';
import type { Logger } from '../logger';

const postJson = z
  .object({ id: z.string(), channel_id: z.string(), user_id: z.string(), message: z.string(), is_pinned: z.boolean().optional(), type: z.string().optional() })
  .passthrough();
export type WsPost = z.infer<typeof postJson>;

const eventSchema = z.object({ event: z.string(), data: z.record(z.string(), z.unknown()).optional() }).passthrough();
const helloSchema = z.object({ event: z.literal('hello'), data: z.object({ connection_id: z.string() }).passthrough() }).passthrough();

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

export type WebSocketState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface WebSocketStatus {
  /** connecting: never connected yet · connected · reconnecting: was connected, is down · closed: stopped. */
  state: WebSocketState;
  /** When the current state began (ms since the epoch). */
  since: number;
  /** Why the socket is (or last was) down; never holds a token. */
  lastError?: string;
  /** Failed connection attempts since the socket went down (0 while connected). */
  attempts: number;
  /** Connections re-established after a drop. */
  reconnects: number;
  /** Times the server gave a new connection id, so events were missed and a resync was asked for. */
  missed: number;
  /** The connection id of the last `hello`. */
  connectionId?: string;
  resync: {
    running: boolean;
    /** Last successful resync (ms since the epoch). */
    lastOkAt?: number;
    /** The error of the failing resync (retried with backoff), and since when it fails. */
    failing?: string;
    failingSince?: number;
  };
}

export interface WebSocketListener {
  /** Stops for good: no reconnect, no resync retry. */
  close(): void;
  status(): WebSocketStatus;
  /** For /healthz: ok while connected and resynced, degraded (with reason and since) otherwise. */
  health(): HealthCheck;
}

export interface WebSocketOptions {
  /** ws(s)://…/api/v4/websocket */
  url: string;
  token: string;
  logger: Logger;
  onPost: (event: string, post: WsPost) => void;
  /**
   * Re-reads over REST what the bridge tracks: after the first `hello` and whenever the server says
   * events were missed (new connection id). A rejection is logged and retried with backoff.
   */
  onResync?: () => Promise<void>;
  clock?: () => number;
  /** Reconnect backoff (ms): min 1 s growing to max 30 s after 7 failures, plus up to `jitterMs` (1 s). */
  retry?: { minMs?: number; maxMs?: number; jitterMs?: number };
  /** The client pings this often; no pong by the next ping = a dead link, reconnect (default 30 s). */
  pingIntervalMs?: number;
  /** Give up on an opening handshake after this long (default 10 s). */
  handshakeTimeoutMs?: number;
  /** How often the watchdog checks that the client still reconnects (default 5 s). */
  watchdogMs?: number;
}

/**
 * WebSocketClient compares `readyState` with the global `WebSocket.OPEN`, which Node 20 lacks: provide
 * the `ws` class there. It also builds `new CloseEvent(...)` on a sequence gap or ping timeout; Node
 * before 23 has no CloseEvent and the ReferenceError would escape from the socket's message handler.
 * Each is defined only when missing.
 */
export function ensureWebSocketGlobals(): void {
  const g = globalThis as { WebSocket?: unknown; CloseEvent?: unknown };
  if (typeof g.WebSocket === 'undefined') {
    Object.defineProperty(globalThis, 'WebSocket', { value: WebSocket, configurable: true, writable: true });
  }
  if (typeof g.CloseEvent === 'undefined') {
    Object.defineProperty(globalThis, 'CloseEvent', { value: CloseEventPolyfill, configurable: true, writable: true });
  }
}

/** The WHATWG CloseEvent: an Event with code, reason and wasClean. */
export class CloseEventPolyfill extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 0;
    this.reason = init.reason ?? '';
    this.wasClean = init.wasClean ?? false;
  }
}

export function listenWebSocket(options: WebSocketOptions): WebSocketListener {
  ensureWebSocketGlobals();
  return new BridgeWebSocket(options);
}

type SocketEvent = 'open' | 'message' | 'error' | 'close';
type Handler = ((event: unknown) => void) | null;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function frameText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data).toString('utf8');
}

class BridgeWebSocket implements WebSocketListener {
  private readonly clock: () => number;
  private readonly minRetryMs: number;
  private readonly maxRetryMs: number;
  private readonly jitterMs: number;
  private client: WebSocketClient;
  /** Sockets of an older client (replaced by the watchdog) are ignored. */
  private generation = 0;
  private socket: WebSocket | undefined;
  private socketConnected = false;
  /** When the current socket closed and no new one was opened yet. */
  private socketDeadSince: number | undefined;
  private socketError: string | undefined;
  private sawHello = false;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;
  private readonly st: WebSocketStatus;
  private resyncWanted = false;
  private resyncFailures = 0;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: WebSocketOptions) {
    this.clock = o.clock ?? Date.now;
    this.minRetryMs = o.retry?.minMs ?? 1000;
    this.maxRetryMs = o.retry?.maxMs ?? 30_000;
    this.jitterMs = o.retry?.jitterMs ?? 1000;
    this.st = { state: 'connecting', since: this.clock(), attempts: 0, reconnects: 0, missed: 0, resync: { running: false } };
    this.client = this.start();
    const every = o.watchdogMs ?? 5000;
    this.watchdog = setInterval(() => this.guard('watchdog', () => this.checkStuck()), every);
    this.watchdog.unref();
  }

  status(): WebSocketStatus {
    return { ...this.st, resync: { ...this.st.resync } };
  }

  health(): HealthCheck {
    const s = this.st;
    const details = { state: s.state, attempts: s.attempts, reconnects: s.reconnects, missed: s.missed };
    if (s.state !== 'connected') {
      const reason = s.state === 'connecting' ? 'not connected yet' : s.state === 'closed' ? 'stopped' : 'disconnected, reconnecting';
      return { healthy: false, since: s.since, reason: s.lastError ? `websocket ${reason}: ${s.lastError}` : `websocket ${reason}`, details };
    }
    if (s.resync.failing !== undefined) {
      return { healthy: false, since: s.resync.failingSince ?? s.since, reason: `resync of missed events failing: ${s.resync.failing}`, details };
    }
    return { healthy: true, since: s.since, details };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    clearTimeout(this.resyncTimer);
    this.discardClient();
    this.transition('closed');
  }

  // ----- the client and its sockets

  /** A new WebSocketClient (fresh connection id) connecting now. */
  private start(): WebSocketClient {
    const generation = ++this.generation;
    this.sawHello = false;
    this.socketConnected = false;
    this.socketDeadSince = undefined;
    const client = new WebSocketClient({
      newWebSocketFn: (url: string) => this.openSocket(url, generation) as unknown as globalThis.WebSocket,
      minWebSocketRetryTime: this.minRetryMs,
      maxWebSocketRetryTime: this.maxRetryMs,
      reconnectJitterRange: this.jitterMs,
      clientPingInterval: this.o.pingIntervalMs ?? 30_000,
    });
    client.addMessageListener((msg) => this.guard('message listener', () => this.onMessage(msg)));
    client.addMissedMessageListener(() =>
      this.guard('missed-message listener', () => {
        this.st.missed += 1;
        this.o.logger.info({}, 'websocket: the server has a new connection for the bot; events were missed, resyncing over REST');
        this.requestResync();
      }),
    );
    client.addCloseListener(() => this.guard('close listener', () => this.onClientClosed(generation)));
    try {
      client.initialize(this.o.url, this.o.token);
    } catch (err) {
      this.socketError = errorText(err);
      this.socketDeadSince = this.clock();
    }
    return client;
  }

  private discardClient(): void {
    const old = this.client;
    const socket = this.socket;
    this.generation += 1;
    this.socket = undefined;
    try {
      old.close();
    } catch {
      // the socket is terminated below either way
    }
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }

  /** newWebSocketFn: a `ws` socket authenticated on the upgrade whose events reach the client under a guard. */
  private openSocket(url: string, generation: number): WebSocket {
    if (this.st.state === 'connected') {
      // The client dropped the previous socket itself (ping timeout, sequence gap) and reconnects.
      this.markDown(this.socketError ?? 'closed by the client (no pong or an event out of sequence)');
    }
    this.socketConnected = false;
    this.socketDeadSince = undefined;
    this.socketError = undefined;
    let socket: WebSocket;
    let failure: string | undefined;
    try {
      socket = new WebSocket(url, { headers: { Authorization: `Bearer ${this.o.token}` }, handshakeTimeout: this.o.handshakeTimeoutMs ?? 10_000 });
    } catch (err) {
      // Never throw into the client (it would escape from a timer): hand it a socket that is already closed.
      failure = errorText(err);
      const noop = (): undefined => undefined;
      socket = { readyState: WebSocket.CLOSED, send: noop, close: noop, terminate: noop } as unknown as WebSocket;
    }
    this.socket = socket;
    const handlers: Record<SocketEvent, Handler> = { open: null, message: null, error: null, close: null };
    for (const name of Object.keys(handlers) as SocketEvent[]) {
      Object.defineProperty(socket, `on${name}`, {
        configurable: true,
        enumerable: true,
        get: () => handlers[name],
        set: (fn: unknown) => {
          handlers[name] = typeof fn === 'function' ? (fn as (event: unknown) => void) : null;
        },
      });
    }
    const current = (): boolean => !this.closed && generation === this.generation;
    const dispatch = (name: SocketEvent, event: unknown): void => {
      const fn = handlers[name];
      if (!current() || !fn) return;
      try {
        fn.call(socket, event);
      } catch (err) {
        this.handlerFailed(name, err, socket);
      }
    };
    if (failure !== undefined) {
      const reason = failure;
      setImmediate(() => {
        if (!current() || this.socket !== socket) return;
        this.socketError = reason;
        this.socketDeadSince = this.clock();
        dispatch('close', { type: 'close', code: 1006, reason: '', wasClean: false });
      });
    } else {
      socket.on('open', () => dispatch('open', { type: 'open' }));
      socket.on('message', (data, isBinary) => {
        if (current() && socket === this.socket && !this.socketConnected) {
          this.socketConnected = true;
          this.guard('connected', () => this.markConnected());
        }
        dispatch('message', { type: 'message', data: isBinary ? data : frameText(data) });
      });
      socket.on('error', (err) => {
        if (current() && socket === this.socket) this.socketError = err.message;
        dispatch('error', { type: 'error', message: err.message });
      });
      socket.on('close', (code, reason) => {
        const text = reason.toString('utf8');
        if (current() && socket === this.socket) {
          this.socketDeadSince = this.clock();
          this.socketError ??= `closed (${code}${text ? ` ${text}` : ''})`;
        }
        dispatch('close', { type: 'close', code, reason: text, wasClean: code === 1000 });
      });
    }
    return socket;
  }

  /** A socket handler threw (library or listener): log it, close the socket; the client reconnects. */
  private handlerFailed(name: SocketEvent, err: unknown, socket: WebSocket): void {
    this.o.logger.error({ handler: name, error: errorText(err) }, 'websocket event handling failed; reconnecting');
    this.socketError = `client failure: ${errorText(err)}`;
    try {
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    } catch {
      // the watchdog takes over if the client is left without a socket
    }
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.o.logger.error({ where: what, error: errorText(err) }, 'websocket listener failed');
    }
  }

  /** The client ended a connection or an attempt (called once each, for real and self-made closes). */
  private onClientClosed(generation: number): void {
    if (this.closed || generation !== this.generation) return;
    const open = this.socket !== undefined && this.socket.readyState !== WebSocket.CLOSED;
    // A socket still open here was dropped by the client itself: ping timeout or a sequence gap.
    const reason = this.socketError ?? (open ? 'closed by the client (no pong in time or an event out of sequence)' : 'connection closed');
    if (this.st.state === 'connected') {
      this.markDown(reason);
      return;
    }
    this.st.attempts += 1;
    this.st.lastError = reason;
    if (this.st.state === 'connecting' && this.st.attempts === 1) {
      this.o.logger.warn({ reason }, 'websocket cannot connect; retrying with backoff');
    } else {
      this.o.logger.debug({ reason, attempts: this.st.attempts }, 'websocket attempt failed');
    }
  }

  /** A client that has had no socket for longer than its longest backoff stopped reconnecting: replace it. */
  private checkStuck(): void {
    if (this.closed || this.socketDeadSince === undefined) return;
    const longest = this.maxRetryMs + this.jitterMs + (this.o.watchdogMs ?? 5000);
    if (this.clock() - this.socketDeadSince <= longest) return;
    if (this.st.state === 'connected') this.markDown(this.socketError ?? 'connection lost');
    this.o.logger.warn({ reason: this.st.lastError }, 'websocket client stopped reconnecting; starting a new one');
    this.discardClient();
    this.client = this.start();
  }

  private onMessage(msg: WebSocketMessage): void {
    const hello = helloSchema.safeParse(msg);
    if (hello.success) {
      this.st.connectionId = hello.data.data.connection_id;
      if (!this.sawHello) {
        // First hello of this client: the bridge may have missed anything before it connected.
        this.sawHello = true;
        this.requestResync();
      }
      return;
    }
    const found = postOfEvent(msg);
    if (found) this.o.onPost(found.event, found.post);
  }

  // ----- status

  private transition(state: WebSocketState): void {
    this.st.state = state;
    this.st.since = this.clock();
  }

  private markConnected(): void {
    const before = this.st.state;
    if (before === 'connected' || before === 'closed') return;
    const downForMs = this.clock() - this.st.since;
    const attempts = this.st.attempts;
    this.transition('connected');
    this.st.attempts = 0;
    if (before === 'reconnecting') {
      this.st.reconnects += 1;
      this.o.logger.info({ downForMs, attempts }, 'websocket reconnected');
    } else {
      this.o.logger.info({ attempts }, 'websocket connected');
    }
  }

  private markDown(reason: string): void {
    if (this.st.state !== 'connected') return;
    this.transition('reconnecting');
    this.st.attempts = 0;
    this.st.lastError = reason;
    this.o.logger.warn({ reason }, 'websocket disconnected; reconnecting with backoff (degraded until then)');
  }

  // ----- resync over REST

  private requestResync(): void {
    if (!this.o.onResync || this.closed) return;
    this.resyncWanted = true;
    if (this.st.resync.running) return;
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    this.runResync().catch((err: unknown) => this.o.logger.error({ error: errorText(err) }, 'websocket resync loop failed'));
  }

  private async runResync(): Promise<void> {
    const resync = this.o.onResync;
    if (!resync) return;
    this.st.resync.running = true;
    try {
      while (this.resyncWanted && !this.closed) {
        this.resyncWanted = false;
        try {
          await resync();
          if (this.st.resync.failing !== undefined) this.o.logger.info({ failures: this.resyncFailures }, 'websocket resync recovered');
          this.resyncFailures = 0;
          this.st.resync = { running: true, lastOkAt: this.clock() };
        } catch (err) {
          this.resyncFailures += 1;
          const error = errorText(err);
          const delay = Math.min(this.minRetryMs * 2 ** (this.resyncFailures - 1), this.maxRetryMs);
          if (this.st.resync.failing === undefined) {
            this.o.logger.warn({ error, retryInMs: delay }, 'websocket resync failed; retrying');
            this.st.resync.failingSince = this.clock();
          }
          this.st.resync.failing = error;
          if (!this.resyncWanted && !this.closed) {
            this.resyncTimer = setTimeout(() => this.requestResync(), delay);
          }
        }
      }
    } finally {
      this.st.resync.running = false;
    }
  }
}
