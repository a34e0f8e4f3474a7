/** Every default written for each message id in the .ts/.tsx files under `dir` (spec files excluded). */
export function extractMessages(dir: string): Map<string, string[]>;
