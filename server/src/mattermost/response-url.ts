/**
 * Delayed answers to a slash command go to its `response_url` (`<SiteURL>/hooks/commands/<id>`, up
 * to 5 uses within 30 min). Only URLs under the configured site are used (never an arbitrary host).
 */
import type { Logger } from '../logger';

export type ResponseSender = (responseUrl: string, text: string) => Promise<void>;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createResponseSender(siteUrl: string, logger: Logger, attempts = 4): ResponseSender {
  const prefix = `${siteUrl.replace(/\/+$/, '')}/hooks/commands/`;
  return async (responseUrl, text) => {
    if (!responseUrl.startsWith(prefix)) {
      logger.warn({ prefix }, 'response_url outside the Mattermost site; not used');
      throw new Error('response_url is not under the configured Mattermost site');
    }
    let lastError = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(responseUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ response_type: 'ephemeral', text }),
        });
        await res.text();
        if (res.ok) return;
        lastError = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      await sleep(200 * 2 ** (attempt - 1));
    }
    logger.error({ error: lastError }, 'response_url answer failed');
    throw new Error(`response_url answer failed: ${lastError}`);
  };
}
