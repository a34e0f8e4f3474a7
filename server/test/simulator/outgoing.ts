// Requests the simulated server sends to an integration (slash command URL, action URL, dialog URL),
// with the header set and order of the 5.37 Go client as recorded in `received_by_integration`.
// Node adds a `Connection` header of its own (Go's client does not send one); nothing else differs.
import http from 'node:http';
import https from 'node:https';
import {gunzipSync} from 'node:zlib';

export const MAX_INTEGRATION_RESPONSE_SIZE = 1024 * 1024; // app/webhook.go MaxIntegrationResponseSize

export interface OutgoingRequest {
  kind: 'slash_command' | 'post_action' | 'dialog_submission';
  method: 'POST' | 'GET';
  url: string;
  /** Header name (as sent) → value. */
  headers: Record<string, string>;
  body: string;
}

export interface OutgoingResult {
  status: number;
  contentType: string;
  body: string;
}

export class OutgoingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutgoingError';
  }
}

export function sendOutgoing(request: OutgoingRequest, timeoutMs: number): Promise<OutgoingResult> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      reject(new OutgoingError(`invalid integration URL ${request.url}`));
      return;
    }
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {method: request.method, timeout: timeoutMs});
    for (const [name, value] of Object.entries(request.headers)) {
      req.setHeader(name, value);
    }
    req.on('timeout', () => req.destroy(new OutgoingError(`timeout after ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof OutgoingError ? err : new OutgoingError(err.message)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_INTEGRATION_RESPONSE_SIZE * 4) {
          chunks.push(chunk);
        }
      });
      res.on('error', (err) => reject(new OutgoingError(err.message)));
      res.on('end', () => {
        let buf = Buffer.concat(chunks);
        try {
          if ((res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip') {
            buf = gunzipSync(buf);
          }
        } catch (err) {
          reject(new OutgoingError(`bad gzip body: ${String(err)}`));
          return;
        }
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: buf.subarray(0, MAX_INTEGRATION_RESPONSE_SIZE).toString('utf8'),
        });
      });
    });
    if (request.method === 'POST') {
      req.end(request.body);
    } else {
      req.end();
    }
  });
}

/** Headers of a slash-command request (recorded: POST, form body, Authorization: Token). */
export function slashHeaders(body: string, token: string, method: 'POST' | 'GET'): Record<string, string> {
  const headers: Record<string, string> = {'User-Agent': 'Mattermost-Bot/1.1'};
  if (method === 'POST') {
    headers['Content-Length'] = String(Buffer.byteLength(body));
  }
  headers.Accept = 'application/json';
  if (token !== '') {
    headers.Authorization = `Token ${token}`;
  }
  if (method === 'POST') {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  headers['Accept-Encoding'] = 'gzip';
  return headers;
}

/** Headers of a post-action / dialog request (recorded: JSON body, no Authorization). */
export function actionHeaders(body: string): Record<string, string> {
  return {
    'User-Agent': 'Mattermost-Bot/1.1',
    'Content-Length': String(Buffer.byteLength(body)),
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'Accept-Encoding': 'gzip',
  };
}
