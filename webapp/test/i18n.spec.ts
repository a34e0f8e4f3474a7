import {join} from 'node:path';

import en from '../src/i18n/en.json';

import {extractMessages} from '../scripts/i18n-extract';

describe('translations', () => {
    it('en.json holds exactly the messages of the source, each id with one default', () => {
        const found = extractMessages(join(__dirname, '..', 'src'));
        expect(found.size).toBeGreaterThan(50);
        const fromSource: Record<string, string> = {};
        for (const [id, defaults] of found) {
            expect({id, defaults: [...new Set(defaults)]}).toEqual({id, defaults: [defaults[0]]});
            fromSource[id] = defaults[0]!;
        }
        expect(en).toEqual(fromSource);
    });
});
