import {ClientError, doPostAction, getFileJson, getPinnedPosts, setSiteUrl} from '../src/client';
import {findActionCookie} from '../src/actions';

import {checklistPost} from './fixtures';
import {jsonResponse, mockFetch} from './render';

afterEach(() => {
    setSiteUrl('');
    document.cookie = 'MMCSRF=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
});

async function thrown(p: Promise<unknown>): Promise<ClientError> {
    try {
        await p;
    } catch (err) {
        if (err instanceof ClientError) {
            return err;
        }
        throw err;
    }
    throw new Error('expected a ClientError');
}

describe('client', () => {
    it('sends post actions with the CSRF token and the action cookie', async () => {
        const fetch = mockFetch();
        fetch.mockResolvedValue(jsonResponse(200, {status: 'OK', trigger_id: 'abc'}));
        setSiteUrl('https://chat.example.com/team-chat/');
        document.cookie = 'MMCSRF=csrf123';
        await expect(doPostAction('post/1', 'toggleM1', 'ck')).resolves.toEqual({status: 'OK', trigger_id: 'abc'});
        const [url, init] = fetch.mock.calls[0]!;
        expect(url).toBe('https://chat.example.com/team-chat/api/v4/posts/post%2F1/actions/toggleM1');
        expect(init).toMatchObject({method: 'POST', credentials: 'same-origin', body: '{"cookie":"ck"}'});
        expect(init?.headers).toMatchObject({'X-CSRF-Token': 'csrf123', 'X-Requested-With': 'XMLHttpRequest', 'Content-Type': 'application/json'});
    });

    it('always throws a typed error', async () => {
        const fetch = mockFetch();
        fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'));
        expect(await thrown(doPostAction('p', 'a'))).toMatchObject({kind: 'network', status: 0, message: 'Failed to fetch'});

        fetch.mockResolvedValueOnce(jsonResponse(403, {id: 'api.context.permissions.app_error', message: 'You do not have the appropriate permissions.'}));
        expect(await thrown(doPostAction('p', 'a'))).toMatchObject({kind: 'http', status: 403, serverErrorId: 'api.context.permissions.app_error'});

        fetch.mockResolvedValueOnce({ok: false, status: 502, text: () => Promise.resolve('<html>Bad gateway</html>')});
        expect(await thrown(getFileJson('f'))).toMatchObject({kind: 'http', status: 502, message: 'GET /files/f failed with HTTP 502'});

        fetch.mockResolvedValueOnce(jsonResponse(200, {status: 42}));
        expect(await thrown(doPostAction('p', 'a'))).toMatchObject({kind: 'invalid-response', message: expect.stringContaining('status')});

        fetch.mockResolvedValueOnce(jsonResponse(200, {order: 'x'}));
        expect(await thrown(getPinnedPosts('c'))).toMatchObject({kind: 'invalid-response'});
    });

    it('keeps the valid posts of a pinned list', async () => {
        const fetch = mockFetch();
        const good = checklistPost();
        fetch.mockResolvedValueOnce(jsonResponse(200, {order: [good.id, 'bad', 'missing'], posts: {[good.id]: good, bad: {id: 1}}}));
        const posts = await getPinnedPosts('c');
        expect(posts.map((p) => p.id)).toEqual([good.id]);
        expect(posts[0]).toMatchObject({type: 'custom_cix_checklist', is_pinned: true});
    });

    it('finds the action cookie of a milestone button', () => {
        const p = checklistPost();
        expect(findActionCookie(p.props, 'toggleM2')).toBe('cookie-toggleM2');
        expect(findActionCookie(p.props, 'nope')).toBeUndefined();
        expect(findActionCookie({attachments: 'x'}, 'toggleM2')).toBeUndefined();
        expect(findActionCookie(null, 'toggleM2')).toBeUndefined();
    });
});
