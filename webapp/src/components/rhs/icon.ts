/**
 * The shield of assets/icon.svg (test/plugin.spec.tsx keeps them equal): drawn inline in the channel
 * header (header_icon.tsx, in the theme's text colour) and as an image in the App Bar.
 */
export const ICON_VIEW_BOX = '0 0 24 24';
export const ICON_OUTLINE = 'M12 2 4 5v6c0 5 3.4 9.3 8 11 4.6-1.7 8-6 8-11V5l-8-3z';
export const ICON_CIRCLE = {cx: 12, cy: 11, r: 3} as const;
export const ICON_CROSSHAIR = 'M12 8V6M12 16v-2M9 11H7M17 11h-2';

/** Fixed colours: an <img> cannot take the theme's text colour, and the App Bar draws icons as round images. */
const APP_BAR_DISC = '#1c58d9';
const APP_BAR_STROKE = '#ffffff';

/** The App Bar icon as SVG text: the shield in white on a blue disc, legible on light and dark themes. */
export function appBarIconSvg(): string {
    return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">' +
        `<circle cx="12" cy="12" r="12" fill="${APP_BAR_DISC}"/>` +
        `<g transform="translate(3 3) scale(0.75)" fill="none" stroke="${APP_BAR_STROKE}" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">` +
        `<path d="${ICON_OUTLINE}"/><circle cx="${ICON_CIRCLE.cx}" cy="${ICON_CIRCLE.cy}" r="${ICON_CIRCLE.r}"/><path d="${ICON_CROSSHAIR}"/>` +
        '</g></svg>';
}

/**
 * The `iconUrl` for `registerAppBarComponent`, which Mattermost renders as `<img src={iconUrl}>`.
 *
 * A data: URL of the icon above, not a URL on the server: Mattermost serves `/plugins/<id>/public/…`
 * from a plugin's `public/` folder, but that it does so for a webapp-only plugin (no server part) was
 * not verified, and the bundle ships no `public/` folder. A data: URL needs neither.
 */
export function appBarIconUrl(): string {
    return `data:image/svg+xml,${encodeURIComponent(appBarIconSvg())}`;
}
