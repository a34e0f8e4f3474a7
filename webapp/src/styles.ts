/**
 * The plugin's stylesheet (static text, no post data), added to <head> by initialize and removed by
 * uninitialize. Colours come from the theme through the --cix-* variables each root element sets
 * (hooks/use_theme_style.ts), falling back to Mattermost's own CSS variables.
 */
export const STYLE_ELEMENT_ID = 'cix-plugin-styles';

export const CSS = `
.cix {
  --cix-fg-x: var(--cix-fg, var(--center-channel-color, #3f4350));
  --cix-bg-x: var(--cix-bg, var(--center-channel-bg, #fff));
  --cix-error-x: var(--cix-error, var(--error-text, #d24b4e));
  --cix-link-x: var(--cix-link, var(--link-color, #386fe5));
  --cix-border: color-mix(in srgb, var(--cix-fg-x) 16%, transparent);
  --cix-subtle: color-mix(in srgb, var(--cix-fg-x) 4%, transparent);
  --cix-muted-fg: color-mix(in srgb, var(--cix-fg-x) 64%, transparent);
  color: var(--cix-fg-x);
  font-size: 14px;
  line-height: 20px;
  max-width: 100%;
}
.cix code { font-size: 12px; padding: 0 3px; border-radius: 3px; background: var(--cix-subtle); color: var(--cix-fg-x); border: 1px solid var(--cix-border); overflow-wrap: anywhere; }
.cix button { font: inherit; color: inherit; }
.cix :focus-visible { outline: 2px solid var(--cix-link-x); outline-offset: 1px; }
.cix-muted { color: var(--cix-muted-fg); }
.cix-small { font-size: 12px; line-height: 16px; }
.cix-error { color: var(--cix-error-x); }
.cix-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.cix-link { color: var(--cix-link-x); }
.cix-fallback__text { white-space: pre-wrap; overflow-wrap: anywhere; }
.cix-badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; line-height: 18px; font-weight: 600; text-transform: uppercase; letter-spacing: .02em; color: #fff; white-space: nowrap; }
.cix-sev--critical { background: var(--cix-error-x); }
.cix-sev--high { background: var(--cix-dnd, #d24b4e); background: color-mix(in srgb, var(--cix-error-x) 70%, var(--cix-away, #ffbc1f)); }
.cix-sev--medium { background: var(--cix-away, #ffbc1f); color: #1f1f1f; }
.cix-sev--low { background: var(--cix-link-x); }
.cix-sev--unresolved { background: color-mix(in srgb, var(--cix-fg-x) 40%, transparent); }
/* A job that did not run in the window: muted, its static exposure named inside the badge. */
.cix-sev--not-run { background: color-mix(in srgb, var(--cix-fg-x) 56%, transparent); }
.cix-row--not-run { opacity: .85; }
.cix-checklist, .cix-report { border: 1px solid var(--cix-border); border-radius: 8px; padding: 12px; margin: 4px 0; background: var(--cix-bg-x); }
.cix-checklist__header, .cix-report__header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
.cix-checklist__name { font-size: 15px; overflow-wrap: anywhere; }
.cix-status { font-size: 12px; padding: 0 6px; border-radius: 10px; border: 1px solid var(--cix-border); }
.cix-status--closed { color: var(--cix-muted-fg); }
.cix-progress { display: inline-flex; align-items: center; gap: 6px; margin-left: auto; font-variant-numeric: tabular-nums; }
.cix-rhs .cix-progress, .cix-open .cix-progress { margin-left: 0; }
.cix-progress__bar { display: inline-block; width: 80px; height: 6px; border-radius: 3px; background: var(--cix-border); overflow: hidden; }
.cix-progress__fill { display: block; height: 100%; background: var(--cix-online, #3db887); }
.cix-milestones { list-style: none; margin: 0; padding: 0; }
.cix-milestone { border-top: 1px solid var(--cix-border); padding: 4px 0; }
.cix-milestone__line { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.cix-milestone__toggle { display: inline-flex; align-items: center; gap: 8px; background: none; border: 0; padding: 4px; margin: 0; cursor: pointer; text-align: left; border-radius: 4px; flex: 1 1 200px; min-width: 0; }
.cix-milestone__toggle:hover { background: var(--cix-subtle); }
.cix-milestone__toggle[aria-disabled="true"] { cursor: default; }
.cix-milestone__title { overflow-wrap: anywhere; }
.cix-milestone--done .cix-milestone__title { text-decoration: line-through; color: var(--cix-muted-fg); }
.cix-check { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 18px; height: 18px; border-radius: 4px; border: 2px solid var(--cix-muted-fg); font-size: 13px; font-weight: 700; line-height: 1; }
.cix-milestone--done .cix-check { background: var(--cix-button-bg, #1c58d9); border-color: var(--cix-button-bg, #1c58d9); color: var(--cix-button-fg, #fff); }
.cix-milestone--pending .cix-check { border-style: dashed; border-color: var(--cix-link-x); animation: cix-spin 1.2s linear infinite; }
.cix-milestone--failed .cix-check, .cix-milestone--unconfirmed .cix-check { border-color: var(--cix-error-x); }
@keyframes cix-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .cix-milestone--pending .cix-check { animation: none; } }
.cix-milestone__meta { display: inline-flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.cix-milestone .cix-error { padding-left: 30px; }
.cix-user { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; vertical-align: middle; }
.cix-owner { display: inline-flex; align-items: center; gap: 4px; }
.cix-user__avatar { border-radius: 50%; background: var(--cix-border); object-fit: cover; }
.cix-due { font-size: 12px; font-variant-numeric: tabular-nums; white-space: nowrap; color: var(--cix-muted-fg); }
.cix-due--overdue { color: var(--cix-error-x); font-weight: 600; }
.cix-summary { margin: 4px 0 8px; }
.cix-summary__bar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; gap: 2px; margin-bottom: 6px; }
.cix-summary__segment { display: block; min-width: 4px; }
.cix-summary__legend { display: flex; flex-wrap: wrap; gap: 4px 14px; list-style: none; margin: 0 0 4px; padding: 0; font-size: 13px; }
.cix-summary__item { display: inline-flex; align-items: center; gap: 5px; }
.cix-summary__count { font-variant-numeric: tabular-nums; }
.cix-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; }
.cix-filters { display: flex; flex-wrap: wrap; align-items: center; gap: 12px; margin: 8px 0; }
.cix-filters select { font: inherit; font-size: 12px; color: var(--cix-fg-x); background: var(--cix-bg-x); border: 1px solid var(--cix-border); border-radius: 4px; padding: 2px 4px; }
.cix-scroll { overflow-x: auto; max-width: 100%; }
.cix-table { border-collapse: collapse; width: 100%; font-size: 13px; }
.cix-table th { text-align: left; font-weight: 600; border-bottom: 2px solid var(--cix-border); padding: 0; white-space: nowrap; }
.cix-table td { border-bottom: 1px solid var(--cix-border); padding: 4px 6px; vertical-align: top; }
.cix-sort { background: none; border: 0; padding: 4px 6px; cursor: pointer; font-weight: 600; }
.cix-sort:hover { background: var(--cix-subtle); }
.cix-expand { background: none; border: 1px solid transparent; border-radius: 4px; width: 24px; height: 24px; cursor: pointer; padding: 0; }
.cix-expand:hover { border-color: var(--cix-border); }
.cix-cell--repo, .cix-job { overflow-wrap: anywhere; }
.cix-names { list-style: none; margin: 0; padding: 0; }
.cix-names code { white-space: nowrap; }
.cix-cell--nowrap { white-space: nowrap; }
.cix-runs { margin-top: 2px; }
.cix-runs--urgent { color: var(--cix-error-x); font-weight: 700; }
.cix-row-details > td { background: var(--cix-subtle); }
.cix-details { display: flex; flex-direction: column; gap: 8px; padding: 6px 0; }
.cix-bullets { margin: 2px 0 0; padding-left: 18px; }
.cix-chain { display: flex; flex-wrap: wrap; align-items: stretch; gap: 4px 0; list-style: none; margin: 0; padding: 0; }
.cix-chain__link { display: inline-flex; flex-direction: column; gap: 2px; padding: 4px 8px; border: 1px solid var(--cix-border); border-radius: 6px; background: var(--cix-bg-x); position: relative; margin-right: 26px; max-width: 260px; }
.cix-chain__link:not(:last-child)::after { content: "→"; position: absolute; right: -20px; top: 50%; transform: translateY(-50%); color: var(--cix-muted-fg); font-size: 16px; }
.cix-chain__link:last-child { border-color: var(--cix-error-x); }
.cix-chain__link--unresolved { border-style: dashed; }
.cix-chain__kind { font-size: 10px; text-transform: uppercase; letter-spacing: .04em; color: var(--cix-muted-fg); }
.cix-chain__unresolved { color: var(--cix-error-x); }
.cix-report__incomplete { margin-top: 8px; padding: 6px 10px; border-left: 3px solid var(--cix-error-x); background: var(--cix-subtle); }
.cix-report__more { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-top: 8px; }
.cix-button { background: var(--cix-button-bg, #1c58d9); color: var(--cix-button-fg, #fff) !important; border: 0; border-radius: 4px; padding: 4px 10px; cursor: pointer; font-size: 12px; font-weight: 600; }
.cix-button[disabled] { opacity: .6; cursor: default; }
.cix-button--link { background: none; color: var(--cix-link-x) !important; padding: 4px 0; }
.cix-rhs { padding: 12px 16px; overflow-y: auto; height: 100%; box-sizing: border-box; background: var(--cix-bg-x); }
.cix-incident__name { display: flex; align-items: center; gap: 8px; font-size: 16px; margin: 0 0 12px; overflow-wrap: anywhere; }
.cix-facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 12px; margin: 0 0 12px; }
.cix-facts dt { color: var(--cix-muted-fg); font-weight: 400; }
.cix-facts dd { margin: 0; min-width: 0; }
.cix-next { display: inline-flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.cix-heading { font-size: 13px; font-weight: 600; margin: 12px 0 6px; text-transform: uppercase; letter-spacing: .03em; color: var(--cix-muted-fg); }
.cix-update { margin: 0; }
.cix-update figcaption { display: flex; align-items: center; gap: 6px; }
.cix-update__text { margin: 0 0 4px; padding: 4px 10px; border-left: 3px solid var(--cix-border); white-space: pre-wrap; overflow-wrap: anywhere; }
.cix-open__list { list-style: none; margin: 0; padding: 0; }
.cix-open__item { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; padding: 8px 0; border-bottom: 1px solid var(--cix-border); }
.cix-open__item .cix-link { flex: 1 1 120px; min-width: 0; overflow-wrap: anywhere; }
.cix-open__next { flex-basis: 100%; color: var(--cix-muted-fg); overflow-wrap: anywhere; }
.cix-start code { font-size: 13px; }
.cix-ticks { display: inline-flex; flex-wrap: wrap; gap: 6px; }
.cix-tick--evidence { color: var(--cix-online, #3db887); }
.cix-tick--unknown { color: var(--cix-error-x); }
.cix-items { list-style: none; margin: 2px 0 4px 30px; padding: 0; }
.cix-item { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 2px 0; font-size: 13px; }
.cix-item .cix-check { width: 14px; height: 14px; font-size: 11px; }
.cix-item--done .cix-check { background: var(--cix-online, #3db887); border-color: var(--cix-online, #3db887); color: #fff; }
.cix-item__number { font-variant-numeric: tabular-nums; color: var(--cix-muted-fg); }
.cix-item__label { overflow-wrap: anywhere; }
.cix-evidence { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; border-top: 1px solid var(--cix-border); padding-top: 6px; }
.cix-evidence__incomplete { color: var(--cix-error-x); }
`;

export function addStyles(doc: Document): HTMLStyleElement {
    doc.getElementById(STYLE_ELEMENT_ID)?.remove();
    const style = doc.createElement('style');
    style.id = STYLE_ELEMENT_ID;
    style.textContent = CSS;
    doc.head.appendChild(style);
    return style;
}
