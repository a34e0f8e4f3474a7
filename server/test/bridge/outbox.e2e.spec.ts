// Outbox messages are posted exactly once: also when the bridge learns nothing of a post Mattermost
// made (it died between Mattermost's answer and recording it), and when Mattermost fails with a 5xx.
import { OUTBOX_KEY_PROP } from '../../src/mattermost/incident-chat';
import type { Store } from '../../src/store/store';
import { startedIncident, startHarness, waitFor, waitForAsync, type Harness } from './harness';

const START = '/ci-exposure start codecov-bash-uploader-2021 Codecov uploader';

/** A store whose first `markSent` fails after Mattermost took the post: the crash window, reproduced. */
function crashOnFirstMarkSent(crashed: { count: number }): (store: Store) => Store {
  return (store) => ({
    ...store,
    engine: store.engine,
    location: store.location,
    markSent: async (id, now, postId) => {
      if (crashed.count === 0) {
        crashed.count += 1;
        throw new Error('simulated crash between the post and its record');
      }
      return store.markSent(id, now, postId);
    },
  });
}

jest.setTimeout(30_000);

describe('outbox: exactly once', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a status update whose post was made but not recorded is not posted again (same bridge, then after a restart)', async () => {
    const crashed = { count: 0 };
    h = await startHarness({ config: { stakeholderChannel: 'sec/stakeholders' }, wrapStore: crashOnFirstMarkSent(crashed) });
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId } = await startedIncident(h, /Codecov/);
    const stakeholders = h.sim.channel('stakeholders')?.id ?? '';
    // The stakeholder notice of the start is the first outbox message: its markSent "crashed".
    await waitFor('the crash', () => crashed.count === 1);
    const starts = (): number => h?.sim.posts(stakeholders).filter((p) => /started by @alice/.test(p.message)).length ?? 0;
    await waitForAsync('the start notice recorded as sent', async () => (await h?.bridge.store.pendingOutboxCount()) === 0);
    expect(starts()).toBe(1);
    const notice = h.sim.posts(stakeholders).find((p) => /started by @alice/.test(p.message));
    expect(typeof notice?.props?.[OUTBOX_KEY_PROP]).toBe('string');

    // The same again across a restart: the update's post is made, the bridge "dies" before recording it.
    await h.restart({ wrapStore: crashOnFirstMarkSent({ count: 0 }) });
    // (the simulator's keep-alive connection to the old process must notice it is gone)
    await new Promise((r) => setTimeout(r, 200));
    const answer = await h.sim.executeCommand('alice', channelId, '/ci-exposure update rotating NPM_TOKEN now');
    expect(answer.status).toBe(200);
    await waitForAsync('the update sent and recorded', async () => (await h?.bridge.store.pendingOutboxCount()) === 0 && (h?.sim.posts(stakeholders).some((p) => /rotating NPM\\?_TOKEN now/.test(p.message)) ?? false));
    await h.restart({ wrapStore: (s) => s });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.sim.posts(channelId).filter((p) => /Status update/.test(p.message))).toHaveLength(1);
    expect(h.sim.posts(stakeholders).filter((p) => /status update by @alice/.test(p.message))).toHaveLength(1);
    expect(starts()).toBe(1);
  });

  it('a 5xx on the post is not retried blindly: the message is looked for, then posted once', async () => {
    h = await startHarness({ config: { stakeholderChannel: 'sec/stakeholders' } });
    await h.sim.executeCommand('alice', h.townSquare, START);
    const { channelId } = await startedIncident(h, /Codecov/);
    await waitForAsync('the start notice sent', async () => (await h?.bridge.store.pendingOutboxCount()) === 0);
    // The start's own posts done first (the report): on a loaded machine it came after the failures were
    // armed and its retried post took them, so the update's post met none.
    await waitFor('the report post', () => h?.sim.posts(channelId).find((p) => p.type === 'custom_cix_report'));
    h.sim.failNext({ method: 'POST', path: /^\/api\/v4\/posts$/ }, 502, 2);
    await h.sim.executeCommand('alice', channelId, '/ci-exposure update containment done');
    await waitForAsync('the update delivered', async () => (await h?.bridge.store.pendingOutboxCount()) === 0 && (h?.sim.posts(channelId).some((p) => /^\*\*Status update\*\*.*containment done$/.test(p.message)) ?? false), 15_000);
    expect(h.sim.posts(channelId).filter((p) => /^\*\*Status update\*\* by @alice: containment done$/.test(p.message))).toHaveLength(1);
    // The retry looked for the post first (GET …/posts?since=…) before posting again.
    expect(h.sim.requests().some((r) => r.method === 'GET' && /^\/api\/v4\/channels\/[a-z0-9]+\/posts\?since=\d+$/.test(r.path))).toBe(true);
    expect(h.sim.openapiViolations()).toEqual([]);
  });
});
