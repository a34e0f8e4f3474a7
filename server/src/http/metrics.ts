/** A small Prometheus registry: counters and gauges with labels, rendered as text format 0.0.4. */

type Labels = Record<string, string>;

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
  collect?: () => number | Promise<number>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ''}`)
    .join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class MetricsRegistry {
  private readonly series = new Map<string, Series>();

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const s: Series = { help, type: 'counter', values: new Map() };
    this.series.set(name, s);
    return (labels = {}, by = 1) => {
      const key = labelKey(labels);
      const current = s.values.get(key);
      if (current) current.value += by;
      else s.values.set(key, { labels, value: by });
    };
  }

  /** A gauge read when scraped (a failed read is left out of that scrape). */
  gauge(name: string, help: string, collect: () => number | Promise<number>): void {
    this.series.set(name, { help, type: 'gauge', values: new Map(), collect });
  }

  async render(): Promise<string> {
    const lines: string[] = [];
    for (const [name, s] of this.series) {
      lines.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      if (s.collect) {
        const value = await Promise.resolve()
          .then(() => s.collect?.())
          .catch(() => undefined);
        if (value !== undefined) lines.push(`${name} ${value}`);
        continue;
      }
      for (const { labels, value } of s.values.values()) {
        const l = Object.keys(labels)
          .sort()
          .map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`)
          .join(',');
        lines.push(`${name}${l ? `{${l}}` : ''} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

export interface BridgeMetrics {
  registry: MetricsRegistry;
  slash: (labels: { command: string; result: string }) => void;
  action: (labels: { result: string }) => void;
  dialog: (labels: { result: string }) => void;
  mattermostRequest: (labels: { method: string; status: string }) => void;
  mattermostRetry: () => void;
  checklistPatch: (labels: { result: string }) => void;
  notification: (labels: { kind: string; result: string }) => void;
  incidents: (labels: { event: string }) => void;
}

export function createBridgeMetrics(): BridgeMetrics {
  const registry = new MetricsRegistry();
  const slash = registry.counter('cix_slash_commands_total', 'Slash commands received, by command and result.');
  const action = registry.counter('cix_button_clicks_total', 'Checklist button clicks received, by result.');
  const dialog = registry.counter('cix_dialog_submissions_total', 'Dialog submissions received, by result.');
  const mmReq = registry.counter('cix_mattermost_requests_total', 'REST calls to Mattermost, by method and status (0 = network error).');
  const mmRetry = registry.counter('cix_mattermost_retries_total', 'REST calls to Mattermost retried after 429/5xx/network errors.');
  const patch = registry.counter('cix_checklist_patches_total', 'Checklist post patches, by result.');
  const notification = registry.counter('cix_notifications_total', 'Outbox messages (DMs, channel posts, stakeholder posts), by kind and result.');
  const incidents = registry.counter('cix_incidents_total', 'Incident lifecycle events (started, closed, failed).');
  return {
    registry,
    slash: (l) => slash(l),
    action: (l) => action(l),
    dialog: (l) => dialog(l),
    mattermostRequest: (l) => mmReq(l),
    mattermostRetry: () => mmRetry(),
    checklistPatch: (l) => patch(l),
    notification: (l) => notification(l),
    incidents: (l) => incidents(l),
  };
}
