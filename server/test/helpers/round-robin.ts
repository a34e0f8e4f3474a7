// A round-robin HTTP proxy in front of several bridges: the one URL Mattermost knows when bridges run
// in high availability. A bridge that refuses connections is skipped (as a load balancer's health check
// would); a bridge that dies mid-request answers 502.
import { createServer, request, type Server } from 'node:http';

export async function roundRobin(ports: number[]): Promise<{ url: string; server: Server; served: Map<number, number> }> {
  let next = 0;
  const served = new Map<number, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left: number): void => {
        const port = ports[next++ % ports.length] ?? 0;
        const upstream = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          served.set(port, (served.get(port) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          // Refused: that bridge is down, try the other one (a load balancer's health check does the same).
          if (err.code === 'ECONNREFUSED' && left > 1) return attempt(left - 1);
          if (!res.headersSent) res.writeHead(502).end('bad gateway');
        });
        upstream.end(body);
      };
      attempt(ports.length);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, server, served };
}

