// The lookup's progress post: posted at once, edited at most every 3 s with the latest count, a last
// edit "done" / "failed"; a chat failure never fails the lookup. (Fake timers: the clock is jest's.)
import { doneLine, failedLine, ProgressPost, progressLine } from '../../src/incidents/lookup-progress';

describe('progress texts', () => {
  it.each([
    [{ read: 3200, listed: 10_000, total: 10_000 }, 41_500, 'Exposure lookup: 3,200 / 10,000 repositories · 41 s'],
    [{ read: 12, listed: 40 }, 2_000, 'Exposure lookup: 12 / 40 repositories · 2 s'],
    [{ read: 1, listed: 0 }, 999, 'Exposure lookup: 1 repository · 0 s'],
    [{ read: 9, listed: 9, total: 9, stage: 'fetching components: round 1, 3 fetched, 0 failed' }, 7_000, 'Exposure lookup: 9 / 9 repositories · fetching components: round 1, 3 fetched, 0 failed · 7 s'],
  ])('%j after %d ms', (progress, elapsed, text) => {
    expect(progressLine(progress, elapsed)).toBe(text);
  });

  it('done and failed', () => {
    expect(doneLine(41_000, 10_000, undefined)).toBe('Exposure lookup: done in 41 s · 10,000 repositories read');
    expect(doneLine(3_000, 1, { notRead: [{ repo: 'a/b', reason: 'x' }, { repo: 'a/c', reason: 'y' }], notDone: [] })).toBe(
      'Exposure lookup: done in 3 s · 1 repository read · partial: 2 repositories not read (see the report)',
    );
    expect(doneLine(900_000, 5, { notRead: [], notDone: ['x'] })).toBe('Exposure lookup: done in 900 s · 5 repositories read · partial: stopped at the time limit (see the report)');
    expect(failedLine(1_500, 'boom')).toBe('Exposure lookup: failed: boom (after 1 s)');
  });
});

describe('ProgressPost', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  function recorder(fail = false): { sent: Array<[number, string, boolean]>; errors: unknown[]; post: ProgressPost } {
    const sent: Array<[number, string, boolean]> = [];
    const errors: unknown[] = [];
    const post = new ProgressPost({
      send: async (text, last) => {
        sent.push([Date.now() - 1_000_000, text, last]);
        if (fail) throw new Error('Mattermost answered HTTP 503');
      },
      clock: Date.now,
      onError: (err) => errors.push(err),
    });
    return { sent, errors, post };
  }

  it('posts at once, edits at most every 3 s with the latest count, then the final text', async () => {
    const { sent, post } = recorder();
    post.begin();
    await jest.advanceTimersByTimeAsync(500);
    post.update({ read: 1, listed: 10, total: 10 });
    await jest.advanceTimersByTimeAsync(500);
    post.update({ read: 2, listed: 10, total: 10 });
    // 3 s after the first post: the latest count goes out, the earlier one never did.
    await jest.advanceTimersByTimeAsync(2_000);
    post.update({ read: 5, listed: 10, total: 10 });
    await jest.advanceTimersByTimeAsync(3_000);
    await jest.advanceTimersByTimeAsync(10_000);
    post.update({ read: 9, listed: 10, total: 10 });
    await jest.advanceTimersByTimeAsync(100);
    await post.finish('Exposure lookup: done in 16 s · 10 repositories read');
    post.update({ read: 10, listed: 10, total: 10 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sent).toEqual([
      [0, 'Exposure lookup: reading the sources · 0 s', false],
      [3_000, 'Exposure lookup: 2 / 10 repositories · 1 s', false],
      [6_000, 'Exposure lookup: 5 / 10 repositories · 3 s', false],
      [16_000, 'Exposure lookup: 9 / 10 repositories · 16 s', false],
      [16_100, 'Exposure lookup: done in 16 s · 10 repositories read', true],
    ]);
  });

  it('a pending edit is dropped by the final one', async () => {
    const { sent, post } = recorder();
    post.begin();
    await jest.advanceTimersByTimeAsync(1_000);
    post.update({ read: 1, listed: 2 });
    await post.finish('Exposure lookup: failed: boom (after 1 s)');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sent.map(([, text, last]) => [text, last])).toEqual([
      ['Exposure lookup: reading the sources · 0 s', false],
      ['Exposure lookup: failed: boom (after 1 s)', true],
    ]);
  });

  it('a chat failure is reported, never thrown', async () => {
    const { sent, errors, post } = recorder(true);
    post.begin();
    await expect(post.finish('Exposure lookup: done in 0 s · 0 repositories read')).resolves.toBeUndefined();
    expect(sent).toHaveLength(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['Mattermost answered HTTP 503', 'Mattermost answered HTTP 503']);
  });
});
