/**
 * Escaping for Mattermost Markdown. Every string that came from a repository, an indicator file or a
 * user goes through `escapeMarkdown` before it reaches a post: no live mention, link, image, HTML
 * tag, table break, emphasis or heading can come out of it.
 */

/** Zero-width joiner: put after `@` it stops Mattermost from reading a mention. */
export const ZWJ = '\u200D';

// Not `info`, `sh`, `py`…: they are file extensions too (`lcov.info`, `install.sh`); scheme URLs are defanged anyway.
const COMMON_TLDS = 'com|io|org|net|dev|app|co|me|xyz|biz|gov|edu|cloud|ai|us|uk|de|fr|ru|cn|tech|online';
const SCHEME_URL = /\b([a-z][a-z0-9+.-]{1,15}):\/\/([^\s/?#]*)/gi;
const WWW_HOST = /\bwww\.[^\s/?#]+/gi;
const BARE_DOMAIN = new RegExp(`\\b[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:${COMMON_TLDS})\\b`, 'gi');

/** `https://codecov.io/bash` → `https[:]//codecov[.]io/bash`: readable, not clickable. */
export function defangLinks(text: string): string {
  return text
    .replace(SCHEME_URL, (_m, scheme: string, host: string) => `${scheme}[:]//${host.replace(/\./g, '[.]')}`)
    .replace(WWW_HOST, (m) => m.replace(/\./g, '[.]'))
    .replace(BARE_DOMAIN, (m) => m.replace(/\./g, '[.]'));
}

/** Characters with a meaning in (Mattermost) Markdown, escaped with a backslash. */
const MD_SPECIAL = /[\\`*_~[\]()#!|{}]/g;

/**
 * Makes `text` inert in Mattermost Markdown, on one line: newlines become spaces, mentions get a
 * zero-width joiner after `@` (where Mattermost would read one) (and `~`, channel links), links are defanged, `<`/`>`/`&` become entities, and Markdown
 * punctuation is backslash-escaped. Control characters are dropped.
 */
export function escapeMarkdown(text: string): string {
  const oneLine = text
    .replace(/\r\n?|\n|\u2028|\u2029/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
  return defangLinks(oneLine)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(MD_SPECIAL, (c) => `\\${c}`)
    // Mattermost reads a mention only where `@` does not follow a letter, digit or `_` (its pattern is
    // `\B@…`, ASCII): `codecov/codecov@1.1.1` and `x@example.com` stay as written (and copyable).
    .replace(/(?<![A-Za-z0-9_])@(?!\s|$)/g, `@${ZWJ}`)
    // `~town-square` is a channel link in Mattermost: break it the same way (after the backslash escape).
    .replace(/\\~(?=[\p{L}\p{N}_-])/gu, `\\~${ZWJ}`);
}
