// The WebSocket endpoint /api/v4/websocket as 5.37 behaves (recordings/websocket-5.37.json):
// authentication by header/cookie at the handshake or by an `authentication_challenge` action;
// then a `hello` event (seq 0) followed by the `{status:"OK", seq_reply}` reply; one event sequence
// per connection; a bad token closes the socket.
import type http from 'node:http';
import type {Duplex} from 'node:stream';
import {z} from 'zod';
import {WebSocketServer, type WebSocket} from 'ws';
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

interface Connection {
  ws: WebSocket;
  id: string;
  userId: string | undefined;
  seq: number;
}

const actionSchema = z.object({
  seq: z.number().int(),
  action: z.string(),
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
  private readonly connections = new Set<Connection>();
  readonly delivered: DeliveredEvent[] = [];

  constructor(private readonly options: WsHubOptions) {}

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const headerToken = tokenFromHandshake(req);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Connection = {ws, id: newId(), userId: undefined, seq: 0};
      this.connections.add(conn);
      ws.on('close', () => this.connections.delete(conn));
      ws.on('error', () => this.connections.delete(conn));
      if (headerToken !== undefined) {
        const userId = this.options.authenticate(headerToken);
        if (userId === undefined) {
          ws.close(1008, 'invalid token');
          return;
        }
        conn.userId = userId;
        this.sendHello(conn);
      }
      ws.on('message', (raw) => this.onMessage(conn, String(raw)));
    });
  }

  private send(conn: Connection, payload: JsonValue): void {
    if (conn.ws.readyState === conn.ws.OPEN) {
      conn.ws.send(JSON.stringify(payload));
    }
  }

  private sendHello(conn: Connection): void {
    const userId = conn.userId ?? '';
    this.sendEvent(conn, 'hello', {connection_id: conn.id, server_version: this.options.versionId}, {
      omit_users: null,
      user_id: userId,
      channel_id: '',
      team_id: '',
    });
  }

  private sendEvent(conn: Connection, event: string, data: JsonObject, broadcast: Broadcast): void {
    const message: WsEvent = {event, data, broadcast, seq: conn.seq++};
    this.delivered.push({userId: conn.userId ?? '', connectionId: conn.id, message});
    this.send(conn, {event, data, broadcast: {...broadcast}, seq: message.seq});
  }

  private onMessage(conn: Connection, raw: string): void {
    let parsed: z.infer<typeof actionSchema>;
    try {
      parsed = actionSchema.parse(JSON.parse(raw));
    } catch {
      this.send(conn, {status: 'FAIL', seq_reply: 0, error: {id: 'api.web_socket_router.bad_seq.app_error', message: 'Invalid sequence for WebSocket message.'}});
      return;
    }
    if (parsed.seq <= 0) {
      this.send(conn, {status: 'FAIL', seq_reply: parsed.seq, error: {id: 'api.web_socket_router.bad_seq.app_error', message: 'Invalid sequence for WebSocket message.'}});
      return;
    }
    if (parsed.action === 'authentication_challenge') {
      const token = parsed.data?.token;
      const userId = typeof token === 'string' ? this.options.authenticate(token) : undefined;
      if (userId === undefined) {
        this.send(conn, {status: 'FAIL', seq_reply: parsed.seq, error: {id: 'api.web_socket_router.bad_token.app_error', message: 'Invalid token.'}});
        conn.ws.close(1008, 'invalid token');
        return;
      }
      const first = conn.userId === undefined;
      conn.userId = userId;
      if (first) {
        this.sendHello(conn);
      }
      this.send(conn, {status: 'OK', seq_reply: parsed.seq});
      return;
    }
    if (conn.userId === undefined) {
      this.send(conn, {status: 'FAIL', seq_reply: parsed.seq, error: {id: 'api.web_socket_router.not_authenticated.app_error', message: 'Not authenticated.'}});
      return;
    }
    if (parsed.action === 'ping') {
      this.send(conn, {status: 'OK', seq_reply: parsed.seq, data: {text: 'pong', version: this.options.versionId, server_time: this.options.now(), node_id: ''}});
      return;
    }
    this.send(conn, {status: 'OK', seq_reply: parsed.seq});
  }

  /** Delivers one event to every authenticated connection of the given users. */
  publish(event: string, data: JsonObject, broadcast: Partial<Broadcast>, userIds: Iterable<string>): void {
    const targets = new Set(userIds);
    const full: Broadcast = {omit_users: null, user_id: '', channel_id: '', team_id: '', ...broadcast};
    for (const conn of this.connections) {
      if (conn.userId !== undefined && targets.has(conn.userId)) {
        this.sendEvent(conn, event, data, full);
      }
    }
  }

  connectedUsers(): string[] {
    return [...this.connections].flatMap((c) => (c.userId === undefined ? [] : [c.userId]));
  }

  close(): Promise<void> {
    for (const conn of this.connections) {
      conn.ws.terminate();
    }
    this.connections.clear();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function tokenFromHandshake(req: http.IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^(bearer|token)\s+(.+)$/i.exec(auth.trim());
    if (m?.[2]) {
      return m[2];
    }
  }
  const cookie = req.headers.cookie;
  const m = cookie ? /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(cookie) : null;
  return m?.[1];
}
