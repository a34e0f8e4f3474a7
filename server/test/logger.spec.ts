/* eslint-disable no-console -- this test is about console output */
import { Writable } from 'node:stream';
import { createLogger, routeConsoleToLogger } from '../src/logger';

describe('logger', () => {
  function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    return { stream, lines: () => chunks.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('redacts credentials by key wherever they sit', () => {
    const out = capture();
    const logger = createLogger('info', out.stream);
    logger.info({ token: 'abc', botToken: 'def', headers: { authorization: 'Token ghi' }, nested: { secret: 'jkl' }, user: 'alice' }, 'event');
    const [line] = out.lines();
    expect(JSON.stringify(line)).not.toMatch(/abc|def|ghi|jkl/);
    expect(line).toMatchObject({ msg: 'event', user: 'alice', token: '[redacted]' });
  });

  it('routes library console output into the structured log', () => {
    const out = capture();
    const saved = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error };
    try {
      routeConsoleToLogger(createLogger('debug', out.stream));
      console.log('websocket connecting to %s', 'ws://x');
      console.warn('careful');
    } finally {
      Object.assign(console, saved);
    }
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 20, msg: 'websocket connecting to ws://x', source: 'library console' }),
      expect.objectContaining({ level: 40, msg: 'careful' }),
    ]);
  });
});
