// The WebSocket endpoint /api/v4/websocket as the server behaves (recordings/websocket-5.37.json for the
// shapes; CONTRACTS §3 and §8.7 and MM api4/websocket.go, app/platform/web_conn.go, web_hub.go and
// websocket_router.go for the rules):
// - Authentication by header/cookie at the upgrade, or later by an `authentication_challenge` action.
//   A bad token at the upgrade leaves the socket unauthenticated (the route only trusts the requester); a
//   bad token in a challenge closes the socket without a close frame (the client sees 1006); a challenge on
//   an authenticated socket is ignored (no reply). Error replies reach only authenticated sockets; a socket
//   that has not authenticated after 5 s is closed; an undecodable frame closes the socket.
// - Each connection has an id (the `hello` event) and its own event sequence (hello = 0). Resumable
//   ("reliable") connections: when a socket closes the connection stays, inactive, with its queues. A
//   reconnect carrying `?connection_id=&sequence_number=` resumes it, but ONLY if the upgrade request is
//   authenticated; otherwise (or if the connection is unknown) a new connection id and a fresh hello.
//   Resuming: no hello; events the client missed are written again from the dead queue (the last 128
//   written) with their own sequence numbers, then the events queued while inactive (at most 256: one
//   more drops the connection). A sequence number the dead queue no longer holds = message loss: a new
//   connection id, the sequence starts again at 0 with a hello.
// - Inactive connections are reaped every 5 minutes when older than 5 minutes (on the simulator's clock).
// - A restart forgets every connection: old ids are unknown, sequences start again at 0.
import type http from 'node:http';
import type {Duplex} from 'node:stream';
import {z} from 'zod';
import {WebSocketServer, type RawData, type WebSocket} from 'ws';
import {newId, type JsonObject, type JsonValue} from './wire';

export interface Broadcast {
  omit_users: Record<string, boolean> | null;
  user_id: string;
  channel_id: string;
  team_id: string;
}

export interface WsEvent {
  event: string;
  data: JsonObject;
  broadcast: Broadcast;
  seq: number;
}

export interface DeliveredEvent {
  userId: string;
  connectionId: string;
  message: WsEvent;
}

/** How the server treated one upgrade request (for tests; the token itself is never kept). */
export interface WsUpgradeRecord {
  /** Query parameters the client sent (`connection_id`, `sequence_number`, `disconnect_err_code`, …). */
  query: Record<string, string>;
  /** Where a token came from at the upgrade; `none` also when the header/cookie token was invalid. */
  auth: 'header' | 'cookie' | 'none';
  /** fresh: new connection id and hello · resumed: same id, no hello · message-loss: same socket, new id and hello · refused: socket closed. */
  outcome: 'fresh' | 'resumed' | 'message-loss' | 'refused';
  /** The connection id in use after the upgrade ('' when refused). */
  connectionId: string;
}

export interface WsConnectionInfo {
  connectionId: string;
  userId: string;
  active: boolean;
  /** The next sequence number the server will write. */
  nextSeq: number;
  /** Events waiting for the client to come back. */
  queued: number;
}

const SEND_QUEUE_SIZE = 256; // web_conn.go sendQueueSize
const DEAD_QUEUE_SIZE = 128; // web_conn.go deadQueueSize
const REAPER_INTERVAL_MS = 5 * 60 * 1000; // web_hub.go inactiveConnReaperInterval
const AUTH_TIMEOUT_MS = 5000; // web_conn.go authCheckInterval

interface Pending {
  event: string;
  data: JsonObject;
  broadcast: Broadcast;
}

interface Connection {
  id: string;
  userId: string | undefined;
  /** The socket while active; undefined while the connection waits for its client. */
  ws: WebSocket | undefined;
  active: boolean;
  /** Next sequence number to write. */
  seq: number;
  /** The last events written, oldest first (at most DEAD_QUEUE_SIZE). */
  deadQueue: WsEvent[];
  /** Events published while inactive. */
  queue: Pending[];
  reuseCount: number;
  /** web_conn lastUserActivityAt: set when the WebConn is created (also on a resume); REST activity is not tracked. */
  createdAt: number;
  inactiveSince: number;
  /** The link is dead both ways and the server has not noticed (frames written are lost, none read). */
  partitioned: boolean;
  authTimer: NodeJS.Timeout | undefined;
}

const requestSchema = z.object({
  seq: z.number().int().optional(),
  action: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional().nullable(),
});

export interface WsHubOptions {
  versionId: string;
  /** Returns the user id for a token, or undefined. */
  authenticate: (token: string) => string | undefined;
  now: () => number;
}

export class WsHub {
  private readonly wss = new WebSocketServer({noServer: true});
  /** Registered (authenticated) connections, active and inactive: the hub's connection index. */
  private readonly connections = new Set<Connection>();
  /** Sockets not (yet) authenticated: not in the index, never receive events or error replies. */
  private readonly unregistered = new Set<Connection>();
  private startedAt: number;
  readonly delivered: DeliveredEvent[] = [];
  readonly upgrades: WsUpgradeRecord[] = [];

  constructor(private readonly options: WsHubOptions) {
    this.startedAt = options.now();
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const fromHandshake = tokenFromHandshake(req);
    const userId = fromHandshake ? this.options.authenticate(fromHandshake.token) : undefined;
    const query = new URL(req.url ?? '/', 'http://simulator').searchParams;
    const record: WsUpgradeRecord = {
      query: Object.fromEntries(query),
      auth: userId !== undefined && fromHandshake ? fromHandshake.from : 'none',
      outcome: 'fresh',
      connectionId: '',
    };
    this.upgrades.push(record);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, userId, query, record));
  }

  private accept(ws: WebSocket, userId: string | undefined, query: URLSearchParams, record: WsUpgradeRecord): void {
    const requestedId = query.get('connection_id') ?? '';
    let conn: Connection | undefined;
    let clientSeq = 0;
    if (requestedId !== '' && userId !== undefined) {
      // PopulateWebConnConfig
      const refuse = (): void => {
        record.outcome = 'refused';
        ws.terminate();
      };
      if (!/^[A-Za-z0-9]{26}$/.test(requestedId)) {
        refuse();
        return;
      }
      conn = this.takeInactive(userId, requestedId);
      if (conn) {
        const seqVal = query.get('sequence_number') ?? '';
        if (seqVal === '' || !/^[+-]?\d+$/.test(seqVal) || Number(seqVal) < 0) {
          refuse();
          return;
        }
        clientSeq = Number(seqVal);
        conn.reuseCount += 1;
        conn.createdAt = this.options.now();
        record.outcome = 'resumed';
      }
    }
    conn ??= {
      id: newId(), userId: undefined, ws: undefined, active: false, seq: 0, deadQueue: [], queue: [], reuseCount: 0,
      createdAt: this.options.now(), inactiveSince: 0, partitioned: false, authTimer: undefined,
    };
    const live = conn;
    live.ws = ws;
    live.userId = userId;
    live.partitioned = false;
    ws.on('message', (raw, isBinary) => this.onMessage(live, ws, raw, isBinary));
    ws.on('close', () => this.onClose(live, ws));
    ws.on('error', () => this.onClose(live, ws));
    if (userId === undefined) {
      this.unregistered.add(live);
      live.authTimer = setTimeout(() => {
        if (live.userId === undefined) {
          ws.terminate();
        }
      }, AUTH_TIMEOUT_MS);
      live.authTimer.unref();
    } else {
      this.register(live, clientSeq, record);
    }
    record.connectionId = live.id;
  }

  /** Hub register + the start of the write pump (web_hub.go Register, web_conn.go writePump). */
  private register(conn: Connection, clientSeq: number, record?: WsUpgradeRecord): void {
    this.unregistered.delete(conn);
    clearTimeout(conn.authTimer);
    conn.active = true;
    this.connections.add(conn);
    const queued = conn.queue.splice(0);
    if (conn.reuseCount === 0) {
      queued.unshift(this.helloFor(conn));
    } else {
      conn.seq = clientSeq;
      if (clientSeq !== 0) {
        const index = conn.deadQueue.findIndex((m) => m.seq === clientSeq);
        if (index >= 0) {
          for (const message of conn.deadQueue.slice(index)) {
            conn.seq += 1;
            this.transmit(conn, message);
          }
        } else if (this.hasMessageLoss(conn)) {
          conn.deadQueue = [];
          conn.id = newId();
          conn.seq = 0;
          if (record) {
            record.outcome = 'message-loss';
          }
          const hello = this.helloFor(conn);
          this.write(conn, hello.event, hello.data, hello.broadcast);
        }
      }
    }
    for (const p of queued) {
      this.write(conn, p.event, p.data, p.broadcast);
    }
  }

  private hasMessageLoss(conn: Connection): boolean {
    const last = conn.deadQueue[conn.deadQueue.length - 1];
    return last !== undefined && last.seq !== conn.seq - 1;
  }

  private helloFor(conn: Connection): Pending {
    return {
      event: 'hello',
      data: {connection_id: conn.id, server_version: this.options.versionId},
      broadcast: {omit_users: null, user_id: conn.userId ?? '', channel_id: '', team_id: ''},
    };
  }

  /** Removes and returns the user's inactive connection with that id, unless the reaper took it already. */
  private takeInactive(userId: string, id: string): Connection | undefined {
    const conn = [...this.connections].find((c) => c.userId === userId && c.id === id && !c.active);
    if (!conn) {
      return undefined;
    }
    this.connections.delete(conn);
    return this.reaped(conn) ? undefined : conn;
  }

  /** Whether a reaper tick (every 5 min from the start) found this connection inactive and older than 5 min. */
  private reaped(conn: Connection): boolean {
    const from = Math.max(conn.inactiveSince, conn.createdAt + REAPER_INTERVAL_MS);
    const firstTick = this.startedAt + (Math.floor((from - this.startedAt) / REAPER_INTERVAL_MS) + 1) * REAPER_INTERVAL_MS;
    return firstTick <= this.options.now();
  }

  private onClose(conn: Connection, ws: WebSocket): void {
    if (conn.ws !== ws) {
      return;
    }
    clearTimeout(conn.authTimer);
    conn.ws = undefined;
    conn.active = false;
    conn.inactiveSince = this.options.now();
    this.unregistered.delete(conn);
  }

  /** Assigns the next sequence number, keeps the event in the dead queue and sends it. */
  private write(conn: Connection, event: string, data: JsonObject, broadcast: Broadcast): void {
    const message: WsEvent = {event, data, broadcast: {...broadcast}, seq: conn.seq};
    conn.seq += 1;
    conn.deadQueue.push(message);
    if (conn.deadQueue.length > DEAD_QUEUE_SIZE) {
      conn.deadQueue.shift();
    }
    this.transmit(conn, message);
  }

  private transmit(conn: Connection, message: WsEvent): void {
    const ws = conn.ws;
    if (!ws || conn.partitioned || ws.readyState !== ws.OPEN) {
      return;
    }
    this.delivered.push({userId: conn.userId ?? '', connectionId: conn.id, message});
    ws.send(JSON.stringify(message));
  }

  /** A reply to a client action; dropped for sockets that are not registered (web_hub directMsg). */
  private reply(conn: Connection, payload: JsonValue): void {
    const ws = conn.ws;
    if (!this.connections.has(conn) || conn.partitioned || !ws || ws.readyState !== ws.OPEN) {
      return;
    }
    ws.send(JSON.stringify(payload));
  }

  private replyError(conn: Connection, seq: number, id: string, message: string, status: number): void {
    this.reply(conn, {status: 'FAIL', seq_reply: seq, error: {id, message, detailed_error: '', status_code: status}});
  }

  private onMessage(conn: Connection, ws: WebSocket, raw: RawData, isBinary: boolean): void {
    let parsed: z.infer<typeof requestSchema>;
    try {
      if (isBinary) {
        throw new Error('msgpack frames are not simulated');
      }
      parsed = requestSchema.parse(JSON.parse(rawText(raw)));
    } catch {
      ws.terminate(); // readPump: a decode error ends the connection
      return;
    }
    const seq = parsed.seq ?? 0;
    const action = parsed.action ?? '';
    if (action === '') {
      this.replyError(conn, seq, 'api.web_socket_router.no_action.app_error', 'No websocket action.', 400);
      return;
    }
    if (seq <= 0) {
      this.replyError(conn, seq, 'api.web_socket_router.bad_seq.app_error', 'Invalid sequence for WebSocket message.', 400);
      return;
    }
    if (action === 'authentication_challenge') {
      if (conn.userId !== undefined) {
        return; // already authenticated: ignored, no reply
      }
      const token = parsed.data?.token;
      const userId = typeof token === 'string' ? this.options.authenticate(token) : undefined;
      if (userId === undefined) {
        ws.terminate();
        return;
      }
      conn.userId = userId;
      this.register(conn, 0);
      this.reply(conn, {status: 'OK', seq_reply: seq});
      return;
    }
    if (conn.userId === undefined) {
      return; // not_authenticated: the error reply never reaches an unregistered socket
    }
    if (action === 'ping') {
      this.reply(conn, {status: 'OK', seq_reply: seq, data: {text: 'pong', version: this.options.versionId, server_time: this.options.now(), node_id: ''}});
      return;
    }
    this.reply(conn, {status: 'OK', seq_reply: seq});
  }

  /** Delivers one event to every connection of the given users; inactive ones queue it for their return. */
  publish(event: string, data: JsonObject, broadcast: Partial<Broadcast>, userIds: Iterable<string>): void {
    const targets = new Set(userIds);
    const full: Broadcast = {omit_users: null, user_id: '', channel_id: '', team_id: '', ...broadcast};
    for (const conn of [...this.connections]) {
      if (conn.userId === undefined || !targets.has(conn.userId)) {
        continue;
      }
      if (conn.active) {
        this.write(conn, event, data, full);
      } else if (conn.queue.length < SEND_QUEUE_SIZE) {
        conn.queue.push({event, data, broadcast: full});
      } else {
        this.connections.delete(conn); // send queue full: closeAndRemoveConn
      }
    }
  }

  connectedUsers(): string[] {
    return [...this.connections].flatMap((c) => (c.active && c.userId !== undefined ? [c.userId] : []));
  }

  connectionInfo(userId?: string): WsConnectionInfo[] {
    return [...this.connections]
      .filter((c) => userId === undefined || c.userId === userId)
      .map((c) => ({connectionId: c.id, userId: c.userId ?? '', active: c.active, nextSeq: c.seq, queued: c.queue.length}));
  }

  /** The network drops: every socket closes abruptly; the server keeps the connections for a resume. */
  dropAll(): void {
    for (const conn of [...this.connections, ...this.unregistered]) {
      conn.ws?.terminate();
    }
  }

  /**
   * The link to the current sockets goes dead both ways without the server noticing: what it writes is
   * lost, what the client sends (a close frame included) never arrives. Until those sockets are dropped.
   */
  partitionAll(): void {
    for (const conn of this.connections) {
      if (conn.active) {
        conn.partitioned = true;
        conn.ws?.pause();
      }
    }
  }

  /** A server restart: every socket closed abruptly, every connection (id, sequence, queues) forgotten. */
  reset(): void {
    for (const conn of [...this.connections, ...this.unregistered]) {
      clearTimeout(conn.authTimer);
      const ws = conn.ws;
      conn.ws = undefined;
      ws?.terminate();
    }
    this.connections.clear();
    this.unregistered.clear();
    this.startedAt = this.options.now();
  }

  close(): Promise<void> {
    this.reset();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) {
    return Buffer.concat(raw).toString('utf8');
  }
  return Buffer.from(raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw).toString('utf8');
}

function tokenFromHandshake(req: http.IncomingMessage): {token: string; from: 'header' | 'cookie'} | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^(bearer|token)\s+(.+)$/i.exec(auth.trim());
    if (m?.[2]) {
      return {token: m[2], from: 'header'};
    }
  }
  const cookie = req.headers.cookie;
  const m = cookie ? /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(cookie) : null;
  return m?.[1] ? {token: m[1], from: 'cookie'} : undefined;
}
