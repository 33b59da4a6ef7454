// The Pod panel's page: pods, a restart timeline per pod, events grouped by reason. Runs in the webview.
import type { HostMessage, PageMessage, PanelState, WatchInfo } from '../../src/extension/podPanel/protocol';
import { isHostMessage } from '../../src/extension/podPanel/protocol';
import type { PodTimeline, PointKind } from '../../src/core/podTimeline';
import { probeLine, type RestartReason } from '../../src/core/restartReason';
import { h, svg as sv } from '../shared/dom';

declare function acquireVsCodeApi(): { postMessage(m: PageMessage): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

interface PageState {
  host?: PanelState;
  /** Pods whose timeline is folded. */
  folded: string[];
}

const saved = vscode.getState() as Partial<PageState> | undefined;
const state: PageState = { host: saved?.host, folded: Array.isArray(saved?.folded) ? saved.folded.filter((x): x is string => typeof x === 'string') : [] };
const persist = () => vscode.setState(state);


const icon = (name: string) => h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });

function age(from: string | undefined, now: number): string {
  const t = from ? Date.parse(from) : NaN;
  if (Number.isNaN(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const hrs = Math.floor(m / 60);
  return hrs < 48 ? `${hrs}h${m % 60 ? `${m % 60}m` : ''}` : `${Math.floor(hrs / 24)}d`;
}

const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const when = (iso: string | undefined, now: number) => (iso ? `${clock(Date.parse(iso))} (${age(iso, now)} ago)` : '—');

const app = document.getElementById('app') as HTMLElement;

function render(): void {
  const s = state.host;
  app.removeAttribute('aria-busy');
  if (!s) {
    app.replaceChildren(h('p', {}, 'Connecting to the cluster…'));
    return;
  }
  const subject = s.pod ? `pod ${s.pod}` : s.release ? `release ${s.release}` : 'every pod';
  const header = h(
    'header',
    {},
    h('h1', {}, icon('pulse'), ` Restarts and events of ${subject}`),
    h('div', { class: 'where' }, `namespace ${s.namespace}`),
    s.note ? h('p', { id: 'followed', class: 'followed', role: 'status' }, icon('arrow-swap'), ` ${s.note}`) : undefined,
    watchLine(s),
  );
  const why = reasonsSection(s);
  app.replaceChildren(header, ...(why ? [why] : []), podsSection(s), timelineSection(s), eventsSection(s));
}

const REASON_ICON: Record<RestartReason['kind'], string> = {
  liveness: 'debug-restart',
  startup: 'debug-restart',
  probeMisconfigured: 'plug',
  oom: 'dashboard',
  crash: 'bug',
  completed: 'debug-stop',
  imagePull: 'cloud-download',
  evicted: 'sign-out',
  createFailed: 'error',
};

const WHEN_LABEL: Record<RestartReason['when'], string> = { restart: 'Last restart', waiting: 'Not running', running: 'Runs, but' };

/** Why each container last restarted or does not run: first, since it is what the panel is opened for. */
function reasonsSection(s: PanelState): HTMLElement | undefined {
  const all = s.pods.flatMap((p) => (p.reasons ?? []).map((r) => ({ pod: p.name, r })));
  if (!all.length) return undefined;
  const section = h('section', { 'aria-labelledby': 'reasons-title', id: 'reasons' }, h('h2', { id: 'reasons-title' }, icon('question'), ' Why'));
  for (const { pod, r } of all) {
    const card = h(
      'article',
      { class: `reason ${r.kind}`, 'data-pod': pod, 'data-container': r.container, 'data-kind': r.kind, 'aria-labelledby': `reason-${pod}-${r.container}` },
      h('h3', { id: `reason-${pod}-${r.container}` }, icon(REASON_ICON[r.kind]), ' ', h('span', { class: 'title' }, r.title)),
      h('div', { class: 'where' }, `${WHEN_LABEL[r.when]} · ${pod} / ${r.container}${r.exitCode !== undefined ? ` · exit ${r.exitCode}` : ''}${r.at ? ` · ${when(r.at, s.now)}` : ''}`),
      h('p', { class: 'detail' }, r.detail),
    );
    if (r.probe && (r.probe.failures || r.probe.kills)) {
      card.append(
        h(
          'p',
          { class: 'probe-failures' },
          probeLine(r.probe),
          r.probe.lastMessage ? h('br') : undefined,
          r.probe.lastMessage ? h('span', { class: 'quote' }, `Latest: ${r.probe.lastMessage}`) : undefined,
        ),
      );
    }
    if (r.message && !r.detail.includes(r.message)) card.append(h('p', { class: 'message' }, h('span', { class: 'quote' }, r.message)));
    if (r.logLines?.length) {
      card.append(h('div', { class: 'logs-title' }, `Last ${r.logLines.length} line${r.logLines.length === 1 ? '' : 's'} of the previous container`), h('pre', { class: 'logs', tabindex: '0', 'aria-label': 'Last log lines of the previous container' }, r.logLines.join('\n')));
    }
    if (r.fix) {
      const fix = r.fix;
      const button = h('vscode-button', { class: 'fix', 'data-command': fix.command, icon: fix.command === 'aksWorker.attachRegistry' ? 'link' : 'cloud-upload', disabled: !s.trusted, title: s.trusted ? `Runs "${fix.title}". Outside VS Code: ${fix.hint}` : 'Runs az or docker, which is off in Restricted Mode: trust this workspace to use it.' }, fix.title);
      button.addEventListener('click', () => {
        if (s.trusted) vscode.postMessage({ type: 'fix', command: fix.command, pod, container: r.container });
      });
      card.append(h('div', { class: 'fix-row' }, button, h('span', { class: 'note small' }, s.trusted ? `or: ${fix.hint}` : 'Trust this workspace to run the fix.')));
    }
    section.append(card);
  }
  return section;
}

const STATE_ICON: Record<WatchInfo['state'], string> = { connecting: 'loading codicon-modifier-spin', watching: 'eye', retrying: 'sync codicon-modifier-spin', stopped: 'debug-stop', failed: 'error' };

function watchLine(s: PanelState): HTMLElement {
  const part = (label: string, w: WatchInfo) =>
    h('span', { class: `watch ${w.state}`, id: `watch-${label.toLowerCase()}` }, icon(STATE_ICON[w.state]), ` ${label}: ${w.state}${w.message ? ` — ${w.message}` : ''}`);
  const bad = s.watch.pods.state === 'retrying' || s.watch.pods.state === 'failed' || s.watch.events.state === 'retrying' || s.watch.events.state === 'failed';
  const retry = h('vscode-button', { id: 'retry', icon: 'refresh', secondary: !bad, title: 'Stop both watches and start them again' }, 'Retry');
  retry.addEventListener('click', () => vscode.postMessage({ type: 'retry' }));
  return h('div', { class: 'watches', role: bad ? 'alert' : 'status' }, part('Pods', s.watch.pods), part('Events', s.watch.events), retry);
}

function podsSection(s: PanelState): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'pods-title' }, h('h2', { id: 'pods-title' }, icon('server-process'), ' Pods ', h('vscode-badge', { variant: 'counter' }, String(s.pods.length))));
  if (!s.pods.length) {
    section.append(h('p', { class: 'note' }, s.watch.pods.state === 'watching' ? `No pods${s.release ? ` with app.kubernetes.io/instance=${s.release}` : ''} in ${s.namespace}.` : 'Waiting for the pods…'));
    return section;
  }
  const HEAD_TITLE: Record<string, string> = { Restarts: "Container restarts the kubelet counted since the pod started (restartCount, all containers)" };
  const head = h('tr', {}, ...['Name', 'Ready', 'Status', 'Restarts', 'Last termination', 'Node', 'Age'].map((c) => h('th', { scope: 'col', ...(HEAD_TITLE[c] ? { title: HEAD_TITLE[c] } : {}) }, c)));
  const body = h('tbody');
  for (const p of s.pods) {
    const last = p.lastReason ? `${p.lastReason}${p.lastExitCode !== undefined ? ` (exit ${p.lastExitCode})` : ''}` : '—';
    body.append(
      h(
        'tr',
        { class: `pod ${p.health}`, tabindex: '0', 'data-pod': p.name, title: p.notReadyReason ?? '' },
        h('th', { scope: 'row' }, p.name),
        h('td', {}, `${p.ready}/${p.total}`),
        h('td', { class: 'status' }, p.status),
        h('td', { class: `restarts${p.restarts ? ' some' : ''}`, title: s.timelines.find((t) => t.pod === p.name)?.caption ?? HEAD_TITLE.Restarts }, String(p.restarts)),
        h('td', { class: `last ${p.lastReason === 'OOMKilled' || p.lastReason === 'Error' ? 'bad' : ''}`, title: p.lastFinishedAt ? `finished ${when(p.lastFinishedAt, s.now)}` : '' }, last),
        h('td', {}, p.node ?? '—'),
        h('td', {}, age(p.createdAt, s.now)),
      ),
    );
  }
  const table = h('table', { class: 'pods', id: 'pods' }, h('thead', {}, head), body);
  // Enter on a row moves to that pod's timeline.
  table.addEventListener('keydown', (e) => {
    const row = (e.target as HTMLElement).closest('tr[data-pod]');
    if (!row) return;
    if (e.key === 'Enter') document.getElementById(`timeline-${row.getAttribute('data-pod')}`)?.focus();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      ((e.key === 'ArrowDown' ? row.nextElementSibling : row.previousElementSibling) as HTMLElement | null)?.focus();
    }
  });
  section.append(h('div', { class: 'table-wrap' }, table));
  const why = s.pods.filter((p) => p.notReadyReason);
  if (why.length) section.append(h('ul', { class: 'why' }, ...why.map((p) => h('li', {}, `${p.name}: ${p.notReadyReason}`))));
  return section;
}


const KIND_LABEL: Record<PointKind, string> = { restart: 'restart', unhealthy: 'Unhealthy', killing: 'Killing', backoff: 'BackOff', warning: 'other warning' };
/** Lane per kind: restarts and kills together, probe failures, back-off and other warnings. */
const LANE: Record<PointKind, number> = { restart: 0, killing: 0, unhealthy: 1, backoff: 2, warning: 2 };
const LANES = ['restarts', 'probes', 'back-off'];

/** A marker: a distinct shape per kind, so colour is not the only difference. */
function marker(kind: PointKind, x: number, y: number, title: string, approx: boolean): SVGElement {
  const g = sv('g', { class: `pt ${kind}${approx ? ' approx' : ''}` });
  switch (kind) {
    case 'restart':
      g.append(sv('circle', { cx: x, cy: y, r: 5 }));
      break;
    case 'killing': {
      // a cross is all stroke: the halo under it is its border in high contrast
      const d = `M${x - 5},${y - 5}L${x + 5},${y + 5}M${x - 5},${y + 5}L${x + 5},${y - 5}`;
      g.append(sv('path', { d, class: 'halo' }), sv('path', { d, class: 'mark' }));
      break;
    }
    case 'unhealthy':
      g.append(sv('path', { d: `M${x},${y - 5}L${x + 5},${y + 4}L${x - 5},${y + 4}Z` }));
      break;
    case 'backoff':
      g.append(sv('rect', { x: x - 4, y: y - 4, width: 8, height: 8 }));
      break;
    default:
      g.append(sv('path', { d: `M${x},${y - 5}L${x + 5},${y}L${x},${y + 5}L${x - 5},${y}Z` }));
  }
  g.append(sv('title', {}, title));
  return g;
}

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((x) => x * 1000);

function timelineSvg(tl: PodTimeline): SVGElement {
  const W = 760;
  const left = 70;
  const right = 16;
  const laneY = (i: number) => 18 + i * 22;
  const axisY = laneY(LANES.length) - 4;
  const H = axisY + 26;
  const span = Math.max(1000, tl.end - tl.start);
  const x = (t: number) => left + ((W - left - right) * (t - tl.start)) / span;
  const counts = Object.fromEntries((Object.keys(KIND_LABEL) as PointKind[]).map((k) => [k, tl.points.filter((p) => p.kind === k).length])) as Record<PointKind, number>;
  const summary = `${tl.pod} from ${clock(tl.start)} to ${clock(tl.end)}: ${tl.counts.restarts} restarts, ${counts.unhealthy} Unhealthy, ${counts.killing} Killing, ${counts.backoff} BackOff${counts.warning ? `, ${counts.warning} other warnings` : ''}. ${tl.caption}`;
  const svg = sv('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-label': summary, tabindex: 0, id: `timeline-${tl.pod}` });
  LANES.forEach((name, i) => {
    svg.append(sv('line', { x1: left, x2: W - right, y1: laneY(i), y2: laneY(i), class: 'lane' }));
    svg.append(sv('text', { x: left - 8, y: laneY(i) + 4, class: 'lane-label', 'text-anchor': 'end' }, name));
  });
  svg.append(sv('line', { x1: left, x2: W - right, y1: axisY, y2: axisY, class: 'axis' }));
  const step = STEPS.find((st) => span / st <= 8) ?? STEPS[STEPS.length - 1];
  for (let t = Math.ceil(tl.start / step) * step; t <= tl.end; t += step) {
    svg.append(sv('line', { x1: x(t), x2: x(t), y1: axisY - 3, y2: axisY + 3, class: 'axis' }));
    svg.append(sv('text', { x: x(t), y: axisY + 16, class: 'tick', 'text-anchor': 'middle' }, clock(t)));
  }
  for (const p of tl.points) {
    if (p.kind === 'restart') svg.append(sv('line', { x1: x(p.t), x2: x(p.t), y1: laneY(0) - 8, y2: axisY, class: 'restart-line' }));
  }
  for (const p of tl.points) svg.append(marker(p.kind, x(p.t), laneY(LANE[p.kind]), `${clock(p.t)}${p.approx ? ' (about)' : ''} — ${p.text}`, !!p.approx));
  return svg;
}

function legend(): HTMLElement {
  const item = (kind: PointKind, text: string) => {
    const svg = sv('svg', { viewBox: '0 0 14 14', width: 14, height: 14, 'aria-hidden': 'true', class: 'timeline' });
    svg.append(marker(kind, 7, 7, text, false));
    return h('span', { class: 'legend-item' }, svg, ` ${text}`);
  };
  return h('p', { class: 'legend' }, item('restart', 'restart (lastState.terminated)'), item('killing', 'Killing'), item('unhealthy', 'Unhealthy'), item('backoff', 'BackOff'), item('warning', 'other warning'), h('span', {}, 'faded inside an outline, or a dashed cross: time estimated from an aggregated event'));
}

function timelineSection(s: PanelState): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, icon('graph-line'), ' Restart timeline'));
  if (!s.timelines.length) {
    section.append(h('p', { class: 'note' }, 'No pods to draw.'));
    return section;
  }
  section.append(legend());
  for (const tl of s.timelines) {
    const n = (k: PointKind) => tl.points.filter((p) => p.kind === k).length;
    const c = h('vscode-collapsible', {
      title: 'Pod',
      description: `${tl.pod} · ${tl.counts.restarts} restart${tl.counts.restarts === 1 ? '' : 's'}${tl.counts.timed < tl.counts.restarts ? ` (${tl.counts.timed} on the timeline)` : ''} · Unhealthy ×${n('unhealthy')} · Killing ×${n('killing')}`,
      open: !state.folded.includes(tl.pod),
      class: 'pod-timeline',
      'data-pod': tl.pod,
    });
    c.addEventListener('vsc-collapsible-toggle', (e) => {
      const open = (e as CustomEvent<{ open: boolean }>).detail.open;
      state.folded = open ? state.folded.filter((p) => p !== tl.pod) : [...new Set([...state.folded, tl.pod])];
      persist();
    });
    c.append(h('div', { class: 'timeline-body' }, timelineSvg(tl), h('p', { class: 'note small counts', 'data-pod': tl.pod }, tl.caption)));
    section.append(c);
  }
  return section;
}

function eventsSection(s: PanelState): HTMLElement {
  const section = h('section', { 'aria-labelledby': 'events-title', 'aria-live': 'polite' }, h('h2', { id: 'events-title' }, icon('list-unordered'), ' Events by reason'));
  if (!s.groups.length) {
    section.append(h('p', { class: 'note' }, s.watch.events.state === 'watching' ? 'No events about these pods (Kubernetes keeps events for an hour by default).' : 'Waiting for the events…'));
    return section;
  }
  section.append(
    h(
      'p',
      { id: 'totals', class: 'totals', title: 'Events about these pods that Kubernetes still keeps (an hour by default). Killing counts every container stopped: the restarts after a failed probe and the stops of deleted or replaced pods; a crash restarts without one.' },
      s.totals,
    ),
  );
  if (s.ratio) section.append(h('p', { id: 'ratio', class: 'ratio' }, icon('info'), ` ${s.ratio}`));
  else if (s.failureThreshold === undefined) section.append(h('p', { id: 'ratio', class: 'ratio' }, icon('info'), ' The pods have no liveness probe.'));
  const head = h('tr', {}, ...['Reason', 'Total', 'First seen', 'Last seen', 'Latest message'].map((c) => h('th', { scope: 'col' }, c)));
  const body = h('tbody');
  for (const g of s.groups) {
    body.append(
      h(
        'tr',
        { class: g.type === 'Warning' ? 'warning' : 'normal', 'data-reason': g.reason },
        h('th', { scope: 'row' }, icon(g.type === 'Warning' ? 'warning' : 'info'), ` ${g.reason}`),
        h('td', { class: 'total' }, String(g.total)),
        h('td', {}, when(g.firstSeen, s.now)),
        h('td', {}, when(g.lastSeen, s.now)),
        h('td', { class: 'message' }, g.message),
      ),
    );
  }
  section.append(h('div', { class: 'table-wrap' }, h('table', { class: 'events', id: 'events' }, h('thead', {}, head), body)));
  return section;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isHostMessage(m)) {
    console.warn('Pod panel: ignored a malformed message from the extension');
    return;
  }
  const msg: HostMessage = m;
  // Keep focus where it was across a re-render.
  const focusedId = (document.activeElement as HTMLElement | null)?.id;
  const focusedPod = (document.activeElement as HTMLElement | null)?.getAttribute?.('data-pod');
  state.host = msg.state;
  persist();
  render();
  const restore = () => {
    const again = focusedId ? document.getElementById(focusedId) : focusedPod ? document.querySelector(`tr[data-pod="${CSS.escape(focusedPod)}"]`) : null;
    (again as HTMLElement | null)?.focus();
    return !again || document.activeElement === again;
  };
  // The collapsibles render their content a frame later; focus what was focused once they have.
  if (!restore()) requestAnimationFrame(() => void (restore() || setTimeout(restore, 50)));
});

void Promise.all(['vscode-button', 'vscode-badge', 'vscode-collapsible'].map((n) => customElements.whenDefined(n))).then(() => {
  render();
  vscode.postMessage({ type: 'ready' });
});
