/**
 * Markdown escaping for everything the bridge posts: the shared function of the report renderers
 * (mentions, links, HTML, formatting made inert), plus a code span helper.
 */
export { escapeMarkdown } from '@ci-exposure/engine';

/** A Markdown code span: shown verbatim; backticks and line breaks in the text cannot break out. */
export function codeSpan(text: string): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ').replace(/`/g, "'");
  return `\`${clean}\``;
}
