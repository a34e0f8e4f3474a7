/** The ISO form of an epoch-milliseconds time, or undefined when it is not a representable date. */
export function isoTime(ms: number): string | undefined {
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
