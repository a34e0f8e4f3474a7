// Helpers for the simulator's own tests: a tiny node:http server standing in for the bridge
// (receives the slash-command POST, the click POST, dialog submissions) and Client4 factories.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type {AddressInfo} from 'node:net';
import {Client4, WebSocketClient} from '@mattermost/client';
import WS from 'ws';
import {z} from 'zod';

export interface ReceivedRequest {
  method: string;
  path: string;
  /** Raw header pairs in the order received. */
  rawHeaders: Array<[string, string]>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface IntegrationReply {
  status?: number;
  contentType?: string;
  body?: string;
}

export interface FakeIntegration {
  url: string;
  received: ReceivedRequest[];
  /** Replaces the reply for the next requests (default: 200 JSON {}). */
  reply: (req: ReceivedRequest) => IntegrationReply;
  close(): Promise<void>;
}

export async function startIntegration(): Promise<FakeIntegration> {
  const received: ReceivedRequest[] = [];
  const fake: FakeIntegration = {
    url: '',
    received,
    reply: () => ({status: 200, contentType: 'application/json', body: '{}'}),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        pairs.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
      }
      const r: ReceivedRequest = {method: req.method ?? '', path: req.url ?? '', rawHeaders: pairs, headers: req.headers, body: Buffer.concat(chunks).toString('utf8')};
      received.push(r);
      const reply = fake.reply(r);
      res.writeHead(reply.status ?? 200, {'Content-Type': reply.contentType ?? 'application/json'});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Client4 with its protected doFetch exposed for routes it has no method for (dialogs/open). */
export class TestClient extends Client4 {
  postJson<T>(url: string, body: unknown): Promise<T> {
    return this.doFetch<T>(url, {method: 'post', body: JSON.stringify(body)});
  }
}

export function client(url: string, token: string): TestClient {
  const c = new TestClient();
  c.setUrl(url);
  c.setToken(token);
  return c;
}

/** WebSocketClient from @mattermost/client on Node 20 (no global WebSocket): uses the `ws` class. */
export function wsClient(): WebSocketClient {
  if (!('WebSocket' in globalThis)) {
    Object.assign(globalThis, {WebSocket: WS});
  }
  return new WebSocketClient({
    newWebSocketFn: (url: string) => new WS(url) as unknown as WebSocket,
    clientPingInterval: 600_000,
    minWebSocketRetryTime: 600_000,
    maxWebSocketFails: 0,
  });
}

/** The `data` of a WebSocket message as a record (the client types it as unknown). */
export function dataOf(message: {data?: unknown}): Record<string, unknown> {
  return z.record(z.string(), z.unknown()).parse(message.data ?? {});
}

export function sharedContractsDir(): string | undefined {
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const dir = path.join(repoRoot, '..', 'shared', 'mattermost-contracts');
  return fs.existsSync(path.join(dir, 'recordings', 'real-server-5.37.json')) ? dir : undefined;
}

export async function waitFor<T>(fn: () => T | undefined, timeoutMs = 3000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() - start > timeoutMs) {
      throw new Error('waitFor: timed out');
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}
