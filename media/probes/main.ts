// The Probe form's page. Runs in the webview; shares the probe model and budget with the extension.
import {
  DEFAULTS,
  MIN_SUGGESTED_FAILURES,
  PROBE_KINDS,
  Probe,
  ProbeHandler,
  ProbeKind,
  TIMING_FIELDS,
  TimingField,
  probeBudget,
  suggestForP99,
  timeline,
  validateProbe,
} from '../../src/core/probes';
import type { FileLocation, FormDraft, FormState, HostMessage, PageMessage, ProbeFormDraft, ProbeSet, ShutdownInfo, ShutdownRow, WhereInfo } from '../../src/extension/probes/protocol';
import { isFileLocation, isFormDraft, isProbeSet, isShutdownInfo } from '../../src/extension/probes/protocol';
import { h, svg as s } from '../shared/dom';
import { MeasureState, createMeasure, emptyMeasure, isMeasureMessage } from './measure';

declare function acquireVsCodeApi(): { postMessage(m: PageMessage): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

type HandlerType = ProbeHandler['type'];
type ProbeForm = ProbeFormDraft;
interface PageState {
  host?: FormState;
  /** Where Helm reads each field (when the host could ask Helm). */
  where?: WhereInfo;
  /** The shutdown budget (grace period, preStop, ShutdownTimeout), when the host has read it. */
  shutdown?: ShutdownInfo;
  form?: FormDraft;
  p99: string;
  tab: ProbeKind;
  showFormula: boolean;
  measure: MeasureState;
}

const LABEL: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };
const FIELD_LABEL: Record<TimingField, string> = {
  initialDelaySeconds: 'Initial delay (s)',
  periodSeconds: 'Period (s)',
  timeoutSeconds: 'Timeout (s)',
  successThreshold: 'Success threshold',
  failureThreshold: 'Failure threshold',
  terminationGracePeriodSeconds: 'Termination grace period (s)',
};
const FIELD_HELP: Record<TimingField, string> = {
  initialDelaySeconds: 'Wait after the container starts before the first probe.',
  periodSeconds: 'How often the probe runs.',
  timeoutSeconds: 'How long one probe waits for an answer.',
  successThreshold: 'Successes in a row to count as healthy again.',
  failureThreshold: 'Failures in a row before Kubernetes acts.',
  terminationGracePeriodSeconds: 'Time to stop after a failed probe (else the pod\'s, 30 s).',
};

const saved = vscode.getState() as Partial<PageState> | undefined;
const state: PageState = { p99: saved?.p99 ?? '', tab: saved?.tab ?? 'liveness', showFormula: saved?.showFormula ?? false, host: saved?.host, form: saved?.form, measure: { ...emptyMeasure(), ...saved?.measure } };

function emptyForm(): ProbeForm {
  return { enabled: false, type: 'httpGet', path: '/healthz', port: '', scheme: 'HTTP', headers: '', command: '', service: '', timings: Object.fromEntries(TIMING_FIELDS.map((f) => [f, ''])) as Record<TimingField, string> };
}

function toForm(p: Probe | undefined, ports: FormState['ports']): ProbeForm {
  const f = emptyForm();
  if (!p) {
    f.port = ports[0]?.name ?? String(ports[0]?.containerPort ?? '');
    return f;
  }
  f.enabled = true;
  f.type = p.handler.type;
  const h = p.handler;
  if (h.type === 'httpGet') {
    f.path = h.path;
    f.port = String(h.port);
    f.scheme = h.scheme ?? 'HTTP';
    f.headers = (h.headers ?? []).map((x) => `${x.name}: ${x.value}`).join('\n');
  } else if (h.type === 'tcpSocket') f.port = String(h.port);
  else if (h.type === 'exec') f.command = h.command.join('\n');
  else {
    f.port = String(h.port);
    f.service = h.service ?? '';
  }
  for (const t of TIMING_FIELDS) f.timings[t] = p[t] === undefined ? '' : String(p[t]);
  return f;
}

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
const portValue = (s: string): number | string => (/^\d+$/.test(s.trim()) ? Number(s.trim()) : s.trim());

function toProbe(f: ProbeForm): Probe | undefined {
  if (!f.enabled) return undefined;
  let handler: ProbeHandler;
  if (f.type === 'httpGet') {
    const headers = f.headers
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => ({ name: l.split(':')[0].trim(), value: l.slice(l.indexOf(':') + 1).trim() }));
    handler = { type: 'httpGet', path: f.path.trim(), port: portValue(f.port), ...(f.scheme === 'HTTPS' ? { scheme: 'HTTPS' as const } : {}), ...(headers.length ? { headers } : {}) };
  } else if (f.type === 'tcpSocket') handler = { type: 'tcpSocket', port: portValue(f.port) };
  else if (f.type === 'exec') handler = { type: 'exec', command: f.command.split('\n').map((l) => l.trim()).filter(Boolean) };
  else handler = { type: 'grpc', port: Number(f.port), ...(f.service.trim() ? { service: f.service.trim() } : {}) };
  const p: Probe = { handler };
  for (const t of TIMING_FIELDS) {
    const v = num(f.timings[t]);
    if (v !== undefined) p[t] = v;
  }
  return p;
}

function probes(): ProbeSet {
  const out: ProbeSet = {};
  if (!state.form) return out;
  for (const k of PROBE_KINDS) {
    const p = toProbe(state.form[k]);
    if (p) out[k] = p;
  }
  return out;
}

const canonical = (s: ProbeSet) => JSON.stringify(PROBE_KINDS.map((k) => s[k] ?? null));
const isDirty = () => !!state.host && canonical(probes()) !== canonical(state.host.probes);

function problems() {
  const all: Record<ProbeKind, ReturnType<typeof validateProbe>> = {} as Record<ProbeKind, ReturnType<typeof validateProbe>>;
  for (const k of PROBE_KINDS) {
    const p = state.form ? toProbe(state.form[k]) : undefined;
    all[k] = p ? validateProbe(k, p, state.host?.ports ?? []) : { errors: {}, warnings: {} };
  }
  return all;
}

function persist(): void {
  vscode.setState(state);
}

const measure = createMeasure({
  state: () => state.measure,
  liveness: () => (state.form ? toProbe(state.form.liveness) : undefined),
  post: (m) => vscode.postMessage(m),
  persist,
  fillP99: (seconds) => {
    state.p99 = String(seconds);
    statusMessage = { text: `Measured p99 ${seconds} s: it is in the p99 field, checked against the budget below.`, kind: 'info' };
    persist();
    render();
  },
});

// ---------- rendering ----------


const app = document.getElementById('app') as HTMLElement;
let statusMessage: { text: string; kind: 'info' | 'error'; at?: FileLocation } | undefined;

function render(): void {
  const host = state.host;
  app.removeAttribute('aria-busy');
  if (!host || !state.form) {
    app.replaceChildren(h('p', {}, 'Loading the probes…'));
    return;
  }
  const dirty = isDirty();
  const probs = problems();
  const hasErrors = PROBE_KINDS.some((k) => Object.keys(probs[k].errors).length > 0);
  const header = h(
    'header',
    {},
    h('h1', {}, h('span', { class: 'codicon codicon-pulse', 'aria-hidden': 'true' }), ` Probes of ${host.chart}`),
    h(
      'div',
      { class: 'where' },
      'Saved in ',
      link(host.file),
      host.location === 'template' ? ' (inline in the template)' : host.location === 'helm' ? ' and the files Helm reads (checked by a render)' : '',
      dirty ? h('span', { class: 'dirty', id: 'dirty' }, ' · unsaved changes') : undefined,
    ),
    host.location === 'template' ? moveButton(dirty) : undefined,
    h(
      'div',
      { class: 'actions' },
      button('revert', 'Revert', 'discard', !dirty, true),
      button('save', 'Save', 'save', !dirty || hasErrors || host.location === 'none' || !!host.problem),
    ),
    // In the sticky header, so "Saved to …" and errors are seen however far the page is scrolled.
    statusMessage
      ? h('p', { class: `status ${statusMessage.kind}`, role: statusMessage.kind === 'error' ? 'alert' : 'status' }, statusMessage.text, ...(statusMessage.at ? [' ', atLink(statusMessage.at, 'status-at')] : []))
      : undefined,
  );
  const children: Array<Node | undefined> = [header];
  if (host.problem) {
    children.push(
      h(
        'div',
        { class: 'banner error', id: 'yaml-problem', role: 'alert' },
        h('span', { class: 'codicon codicon-error', 'aria-hidden': 'true' }),
        h('span', {}, `${host.problem.at.file} is not valid YAML: ${host.problem.message}${/[.!?]$/.test(host.problem.message) ? '' : '.'} The form shows what it could read; fix the file to save. `, atLink(host.problem.at, 'yaml-problem-at')),
      ),
    );
  }
  if (host.location === 'helm' && host.note) children.push(h('p', { class: 'note', id: 'helm-note' }, host.note));
  if (host.location === 'none') {
    children.push(h('p', { class: 'note' }, host.note ?? 'No probes found.'));
    const add = h('vscode-button', { id: 'add-to-values', icon: 'add' }, 'Add probes to values.yaml');
    add.addEventListener('click', () => {
      statusMessage = { text: 'Adding the probes…', kind: 'info' };
      vscode.postMessage({ type: 'addToValues' });
    });
    if (!/template expressions/.test(host.note ?? '')) children.push(add);
    children.push(shutdownSection());
    app.replaceChildren(...children.filter((c): c is Node => !!c));
    return;
  }
  const tabs = h('vscode-tabs', { 'selected-index': String(PROBE_KINDS.indexOf(state.tab)), id: 'tabs' });
  for (const k of PROBE_KINDS) {
    const errs = Object.keys(probs[k].errors).length;
    tabs.append(h('vscode-tab-header', { slot: 'header', id: `tab-${k}` }, `${LABEL[k]}${state.form[k].enabled ? '' : ' (off)'}${errs ? ` ⚠ ${errs}` : ''}`));
    tabs.append(h('vscode-tab-panel', {}, probePanel(k, probs[k])));
  }
  tabs.addEventListener('vsc-tabs-select', (e) => {
    const i = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex;
    state.tab = PROBE_KINDS[i] ?? 'liveness';
    persist();
  });
  children.push(tabs, budgetSection(), shutdownSection(), measure.section());
  app.replaceChildren(...children.filter((c): c is Node => !!c));
}

/** A link to file:line:column that opens the file there. */
function atLink(at: FileLocation, id: string): HTMLElement {
  const a = h('a', { href: '#', id, title: `Open ${at.file} at line ${at.line}, column ${at.column}` }, `${at.file}:${at.line}:${at.column}`);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    vscode.postMessage({ type: 'openAt', at });
  });
  return a;
}

function link(file: string): HTMLElement {
  const a = h('a', { href: '#', id: 'open-file' }, file);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    vscode.postMessage({ type: 'openFile' });
  });
  return a;
}

function button(id: string, text: string, icon: string, disabled: boolean, secondary = false): HTMLElement {
  const b = h('vscode-button', { id, icon, disabled, secondary }, text);
  b.addEventListener('click', () => {
    if (b.hasAttribute('disabled')) return;
    if (id === 'save') {
      statusMessage = { text: 'Saving…', kind: 'info' };
      vscode.postMessage({ type: 'save', probes: probes() });
    } else {
      statusMessage = undefined;
      vscode.postMessage({ type: 'revert' });
    }
  });
  return b;
}

function moveButton(dirty: boolean): HTMLElement {
  const b = h('vscode-button', { id: 'move-to-values', secondary: true, icon: 'arrow-swap', disabled: dirty, title: dirty ? 'Save or revert your changes first' : 'Keep the probes in values.yaml; the template renders them from there' }, 'Move to values.yaml');
  b.addEventListener('click', () => {
    if (b.hasAttribute('disabled')) return;
    statusMessage = { text: 'Moving the probes to values.yaml…', kind: 'info' };
    vscode.postMessage({ type: 'moveToValues' });
  });
  return b;
}

function field(kind: ProbeKind, key: string, label: string, value: string, opts: { placeholder?: string; help?: string; error?: string; warning?: string; type?: string; multiline?: boolean; list?: string } = {}): HTMLElement {
  const id = `${kind}-${key}`;
  const input = opts.multiline
    ? h('vscode-textarea', { id, value, rows: '3', placeholder: opts.placeholder, invalid: !!opts.error, 'aria-describedby': `${id}-help` })
    : h('vscode-textfield', { id, value, type: opts.type ?? 'text', placeholder: opts.placeholder, invalid: !!opts.error, 'aria-describedby': `${id}-help`, ...(opts.list ? { list: opts.list } : {}) });
  input.addEventListener('input', () => {
    update(kind, key, (input as unknown as { value: string }).value);
  });
  if (!opts.multiline) {
    input.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key !== 'Enter') return;
      e.preventDefault();
      update(kind, key, (input as unknown as { value: string }).value);
      applyNow(id);
    });
  }
  const helpText = opts.error ?? opts.warning ?? opts.help ?? '';
  return h(
    'div',
    { class: `field${opts.error ? ' has-error' : opts.warning ? ' has-warning' : ''}` },
    h('vscode-label', { for: id }, label),
    input,
    h('vscode-form-helper', { id: `${id}-help`, class: opts.error ? 'error' : opts.warning ? 'warning' : '' }, helpText),
  );
}

function update(kind: ProbeKind, key: string, value: string | boolean): void {
  if (!state.form) return;
  const f = state.form[kind];
  if (key === 'enabled') f.enabled = value as boolean;
  else if (key === 'type') f.type = value as HandlerType;
  else if (key === 'scheme') f.scheme = value as 'HTTP' | 'HTTPS';
  else if ((TIMING_FIELDS as readonly string[]).includes(key)) f.timings[key as TimingField] = String(value);
  else (f as unknown as Record<string, string>)[key] = String(value);
  statusMessage = undefined;
  persist();
  postChanged();
  scheduleRender(kind, key);
}

/** Tells the editor what the form holds now: dirty or not, and the probes when every field is valid. */
function postChanged(): void {
  if (!state.form || !state.host) return;
  const probs = problems();
  const error = PROBE_KINDS.flatMap((k) => Object.entries(probs[k].errors).map(([f, m]) => `${LABEL[k]} probe, ${(FIELD_LABEL as Record<string, string>)[f] ?? f}: ${m}`))[0];
  vscode.postMessage({ type: 'changed', dirty: isDirty(), draft: state.form, ...(error ? { error } : { probes: probes() }) });
}

/** Enter in a field: the value applies now (the budget and the picture follow), focus stays. */
function applyNow(id: string): void {
  if (renderTimer) clearTimeout(renderTimer);
  renderTimer = undefined;
  const caret = caretOf(document.getElementById(id));
  render();
  refocus(id, caret);
}

type Caret = { start: number | null; end: number | null } | undefined;
type FieldElement = HTMLElement & { updateComplete?: Promise<unknown> };
const innerInput = (el: Element | null) => (el?.shadowRoot?.querySelector('input, textarea') ?? null) as HTMLInputElement | HTMLTextAreaElement | null;
const caretOf = (el: Element | null): Caret => {
  const input = innerInput(el);
  return input ? { start: input.selectionStart, end: input.selectionEnd } : undefined;
};

/** Focuses the element with this id once it has rendered (a re-render replaces the fields), the caret where it was. */
function refocus(id: string, caret: Caret): void {
  const el = document.getElementById(id) as FieldElement | null;
  if (!el) return;
  const place = () => {
    if (document.activeElement !== el) el.focus();
    const input = innerInput(el);
    if (input && caret && caret.start !== null) input.setSelectionRange(caret.start, caret.end ?? caret.start);
  };
  place();
  void Promise.resolve(el.updateComplete).then(place);
}

let renderTimer: number | undefined;
/** Re-render after typing pauses, keeping focus (and the caret) in the field being typed in. */
function scheduleRender(kind: ProbeKind, key: string): void {
  if (renderTimer) clearTimeout(renderTimer);
  renderTimer = window.setTimeout(() => {
    renderTimer = undefined;
    const active = document.activeElement as HTMLElement | null;
    const id = active?.id || `${kind}-${key}`;
    const caret = caretOf(document.getElementById(id));
    render();
    refocus(id, caret);
  }, ['enabled', 'type', 'scheme'].includes(key) ? 0 : 150);
}

function select(kind: ProbeKind, key: string, label: string, value: string, options: Array<[string, string]>): HTMLElement {
  const id = `${kind}-${key}`;
  const sel = h('vscode-single-select', { id, 'aria-label': label });
  for (const [v, text] of options) sel.append(h('vscode-option', { value: v, selected: v === value }, text));
  sel.addEventListener('change', () => update(kind, key, (sel as unknown as { value: string }).value));
  return h('div', { class: 'field' }, h('vscode-label', { for: id }, label), sel);
}

function probePanel(kind: ProbeKind, pr: ReturnType<typeof validateProbe>): HTMLElement {
  const f = (state.form as Record<ProbeKind, ProbeForm>)[kind];
  const host = state.host as FormState;
  const enabled = h('vscode-checkbox', { id: `${kind}-enabled`, checked: f.enabled, label: `${LABEL[kind]} probe on` });
  enabled.addEventListener('change', () => update(kind, 'enabled', (enabled as unknown as { checked: boolean }).checked));
  const why: Record<ProbeKind, string> = {
    liveness: 'Restarts the worker when its health endpoint stops answering.',
    readiness: 'Decides whether a Service sends the pod traffic; a worker has no Service, so it is usually off.',
    startup: 'Holds back the liveness probe until the worker has started.',
  };
  const panel = h('section', { class: 'probe', 'aria-label': `${LABEL[kind]} probe` }, h('p', { class: 'why' }, why[kind]), enabled);
  if (!f.enabled) return panel;
  const ports = h('datalist', { id: `${kind}-ports` });
  for (const p of host.ports) ports.append(h('option', { value: p.name ?? String(p.containerPort) }, `${p.name ?? ''} ${p.containerPort}`));
  const e = pr.errors;
  const handler = h('div', { class: 'grid' }, select(kind, 'type', 'Handler', f.type, [['httpGet', 'HTTP GET'], ['tcpSocket', 'TCP socket'], ['exec', 'Command (exec)'], ['grpc', 'gRPC']]));
  if (f.type === 'httpGet') {
    handler.append(
      field(kind, 'path', 'Path', f.path, { error: e['handler.path'], placeholder: '/healthz' }),
      field(kind, 'port', 'Port (number or name)', f.port, { error: e['handler.port'], list: `${kind}-ports`, help: host.ports.length ? `Container ports: ${host.ports.map((p) => `${p.name ?? '?'} = ${p.containerPort}`).join(', ')}` : undefined }),
      select(kind, 'scheme', 'Scheme', f.scheme, [['HTTP', 'HTTP'], ['HTTPS', 'HTTPS']]),
      field(kind, 'headers', 'Headers (Name: value, one per line)', f.headers, { multiline: true, error: Object.entries(e).find(([k]) => k.startsWith('handler.headers'))?.[1] }),
    );
  } else if (f.type === 'tcpSocket') {
    handler.append(field(kind, 'port', 'Port (number or name)', f.port, { error: e['handler.port'], list: `${kind}-ports` }));
  } else if (f.type === 'exec') {
    handler.append(field(kind, 'command', 'Command (one argument per line)', f.command, { multiline: true, error: e['handler.command'], placeholder: 'cat\n/tmp/healthy' }));
  } else {
    handler.append(field(kind, 'port', 'Port (number)', f.port, { error: e['handler.port'] }), field(kind, 'service', 'Service (optional)', f.service));
  }
  const timings = h('div', { class: 'grid timings' });
  for (const t of TIMING_FIELDS) {
    if (t === 'terminationGracePeriodSeconds' && kind === 'readiness') continue;
    timings.append(field(kind, t, FIELD_LABEL[t], f.timings[t], { placeholder: `default ${DEFAULTS[t]}`, help: FIELD_HELP[t], error: e[t], warning: pr.warnings[t] }));
  }
  panel.append(ports, h('h3', {}, 'Handler'), handler, h('h3', {}, 'Timing'), timings);
  const where = whereList(kind);
  if (where) panel.append(where);
  return panel;
}

/** Where Helm reads each field of this probe: "periodSeconds — values.yaml:16 livenessProbe.periodSeconds". */
function whereList(kind: ProbeKind): HTMLElement | undefined {
  const w = state.where;
  const fields = w?.fields[kind];
  if (!w || !fields?.length) return undefined;
  const list = h('ul', { class: 'where-list', id: `${kind}-where` });
  for (const f of fields) list.append(h('li', { class: f.editable ? '' : 'fixed' }, h('code', {}, f.field), ` — ${f.text}${f.editable ? '' : ' (not edited by the form)'}`));
  const sw = w.switches[kind];
  return h(
    'details',
    { class: 'where-details' },
    h('summary', {}, `Where Helm reads these (${w.workload}, container ${w.container})`),
    ...(sw ? [h('p', {}, `Switch: ${sw}`)] : []),
    list,
  );
}

function budgetSection(): HTMLElement {
  const form = state.form as Record<ProbeKind, ProbeForm>;
  const live = toProbe(form.liveness);
  const startup = toProbe(form.startup);
  const section = h('section', { class: 'budget', id: 'budget', 'aria-live': 'polite' }, h('h2', {}, h('span', { class: 'codicon codicon-dashboard', 'aria-hidden': 'true' }), ' Budget'));
  if (!live) {
    section.append(h('p', { class: 'warn' }, 'No liveness probe: a worker that hangs is never restarted.'));
    return section;
  }
  if (Object.keys(validateProbe('liveness', live, state.host?.ports ?? []).errors).length) {
    section.append(h('p', {}, 'Fix the liveness probe\'s fields to see its budget.'));
    return section;
  }
  const p99Typed = num(state.p99);
  const p99Invalid = p99Typed !== undefined && !(Number.isFinite(p99Typed) && p99Typed >= 0);
  const p99 = p99Invalid ? undefined : p99Typed;
  const b = probeBudget(live, startup, p99);
  const P = live.periodSeconds ?? DEFAULTS.periodSeconds;
  const T = live.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  const F = live.failureThreshold ?? DEFAULTS.failureThreshold;
  const G = live.terminationGracePeriodSeconds ?? DEFAULTS.terminationGracePeriodSeconds;
  section.append(
    h(
      'div',
      { class: 'figures' },
      figure('max-block', `${b.maxBlockSeconds} s`, 'the longest the worker may block without being killed'),
      figure('restart', `${b.worstCaseRestartSeconds} s`, `worst case from a hang to the restart (killed after ${b.worstCaseDetectSeconds} s, then up to ${G} s to stop)`),
      figure('first-check', `${b.firstLivenessCheckSeconds} s`, startup ? 'at the latest before the first liveness check (startup probe allowance + initial delay)' : 'after start before the first liveness check (initial delay)'),
    ),
    h('p', { id: 'rule-of-thumb' }, `Rule of thumb, timeout × failureThreshold: ${b.ruleOfThumbSeconds} s. ${b.explanation}`),
  );
  const formula = h('vscode-collapsible', { title: 'Formulas', open: state.showFormula, id: 'formula' });
  formula.append(
    h(
      'pre',
      {},
      `may block   = (failureThreshold − 1) × period + timeout = (${F} − 1) × ${P} + ${T} = ${b.maxBlockSeconds} s\n` +
        `killed by   = failureThreshold × period + timeout       = ${F} × ${P} + ${T} = ${b.worstCaseDetectSeconds} s\n` +
        `restarted   = killed by + grace period                  = ${b.worstCaseDetectSeconds} + ${G} = ${b.worstCaseRestartSeconds} s\n` +
        `rule of thumb = timeout × failureThreshold              = ${T} × ${F} = ${b.ruleOfThumbSeconds} s` +
        (b.startupAllowanceSeconds !== undefined ? `\nstartup may take = initialDelay + failureThreshold × period = ${b.startupAllowanceSeconds} s` : ''),
    ),
  );
  formula.addEventListener('vsc-collapsible-toggle', (e) => {
    state.showFormula = (e as CustomEvent<{ open: boolean }>).detail.open;
    persist();
  });
  section.append(formula);

  const p99Field = h('vscode-textfield', { id: 'p99', value: state.p99, placeholder: 'e.g. 42', 'aria-describedby': 'p99-verdict', invalid: p99Invalid });
  p99Field.addEventListener('input', () => {
    state.p99 = (p99Field as unknown as { value: string }).value;
    persist();
    scheduleRender('liveness', 'p99');
  });
  p99Field.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key !== 'Enter') return;
    e.preventDefault();
    state.p99 = (p99Field as unknown as { value: string }).value;
    persist();
    applyNow('p99');
  });
  const verdict = h('p', { id: 'p99-verdict', role: 'status' });
  const suggestions = h('div', { class: 'suggestions' });
  if (b.coversP99 !== undefined && p99 !== undefined) {
    verdict.className = b.coversP99 ? 'ok' : 'warn';
    verdict.textContent = b.coversP99
      ? `Covered: a ${p99} s block is survived with ${(b.maxBlockSeconds - p99).toFixed(1).replace(/\.0$/, '')} s to spare.`
      : `Not covered: a ${p99} s block gets the worker killed (the budget is ${b.maxBlockSeconds} s).`;
    for (const s of suggestForP99(p99, live)) {
      const apply = h('vscode-button', { secondary: true, class: 'apply', 'data-period': String(s.periodSeconds) }, 'Apply');
      apply.addEventListener('click', () => {
        const t = form.liveness.timings;
        t.periodSeconds = String(s.periodSeconds);
        t.timeoutSeconds = String(s.timeoutSeconds);
        t.failureThreshold = String(s.failureThreshold);
        persist();
        postChanged();
        render();
      });
      suggestions.append(
        h('div', { class: 'suggestion' }, h('span', {}, `${s.label}: period ${s.periodSeconds}, timeout ${s.timeoutSeconds}, failureThreshold ${s.failureThreshold} → may block ${s.maxBlockSeconds} s, hung pod killed after ${s.worstCaseDetectSeconds} s`), apply),
      );
    }
    if (suggestions.childElementCount) suggestions.append(h('p', { class: 'legend' }, `Suggestions keep the timeout, restart a hung pod as soon as they can, and never use fewer than ${MIN_SUGGESTED_FAILURES} failures: one slow answer should not restart a worker.`));
  } else if (p99Invalid) {
    verdict.className = 'warn';
    verdict.textContent = `"${state.p99}" is not a number of seconds: enter the worker's p99 blocking time in seconds, like 42 or 1.5.`;
  } else {
    verdict.textContent = 'Enter the worker\'s p99 blocking time to check it against the budget.';
  }
  section.append(h('div', { class: 'field p99' }, h('vscode-label', { for: 'p99' }, 'Worker\'s p99 blocking time (s)'), p99Field), verdict, suggestions, timelineSvg(live));
  return section;
}

/** A link the host resolves to a file and line (the page never names a path to open). */
function sourceLink(l: { id: number; label: string }, id: string): HTMLElement {
  const a = h('a', { href: '#', id, title: `Open ${l.label}` }, l.label);
  a.addEventListener('click', (e) => {
    e.preventDefault();
    vscode.postMessage({ type: 'openSource', id: l.id });
  });
  return a;
}

let graceBusy = false;

/**
 * The shutdown budget: on a stop, Kubernetes runs preStop, sends SIGTERM, and kills at the grace
 * period; the .NET host waits ShutdownTimeout for the worker. Each number says where it comes from.
 */
function shutdownSection(): HTMLElement {
  const section = h('section', { class: 'shutdown', id: 'shutdown', 'aria-live': 'polite' }, h('h2', {}, h('span', { class: 'codicon codicon-debug-stop', 'aria-hidden': 'true' }), ' Shutdown'));
  const sd = state.shutdown;
  if (!sd) {
    section.append(h('p', { class: 'legend' }, 'Reading the grace period and the worker\'s ShutdownTimeout…'));
    return section;
  }
  const icon = sd.verdict === 'ok' ? 'pass' : sd.verdict === 'warning' ? 'warning' : 'question';
  section.append(h('p', { id: 'shutdown-verdict', class: `verdict ${sd.verdict === 'ok' ? 'ok' : sd.verdict === 'warning' ? 'warn' : ''}` }, h('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }), ' ', sd.message));
  if (sd.note) section.append(h('p', { class: 'legend', id: 'shutdown-note' }, sd.note));
  const row = (r: ShutdownRow & { ignored?: string }, id: string) =>
    h('tr', { id }, h('th', { scope: 'row' }, h('code', {}, r.name)), h('td', { class: 'value' }, r.value), h('td', {}, r.from, r.ignored ? ` — ${r.ignored}` : '', ...(r.link ? [' (', sourceLink(r.link, `${id}-at`), ')'] : [])));
  if (sd.rows.length) {
    const slug = (n: string) => n.replace(/[^A-Za-z]/g, '').toLowerCase();
    section.append(h('table', { class: 'shutdown-table', id: 'shutdown-table' }, h('tbody', {}, ...sd.rows.map((r) => row(r, `shutdown-${slug(r.name)}`)))));
  }
  if (sd.overridden.length) {
    const d = h('details', { class: 'where-details', id: 'shutdown-overridden' }, h('summary', {}, `Also set, but not used (${sd.overridden.length})`));
    d.append(h('table', { class: 'shutdown-table' }, h('tbody', {}, ...sd.overridden.map((r, i) => row(r, `shutdown-overridden-${i}`)))));
    section.append(d);
  }
  if (sd.unavailable) section.append(h('p', { class: 'note', id: 'shutdown-unavailable' }, sd.unavailable));
  if (sd.hint) section.append(h('p', { class: 'note', id: 'shutdown-hint' }, sd.hint.text, ...(sd.hint.link ? [' ', sourceLink(sd.hint.link, 'shutdown-hint-at')] : [])));
  for (const n of sd.notes) section.append(h('p', { class: 'legend' }, n));
  const actions = h('div', { class: 'row' });
  if (sd.offer) {
    const dirty = isDirty();
    const set = h(
      'vscode-button',
      { id: 'set-grace', icon: 'edit', disabled: dirty || graceBusy, title: dirty ? 'Save or revert your probe changes first' : 'Written where Helm reads it, then checked by a render' },
      `Set terminationGracePeriodSeconds to ${sd.offer.seconds} s`,
    );
    const seconds = sd.offer.seconds;
    set.addEventListener('click', () => {
      if (set.hasAttribute('disabled')) return;
      graceBusy = true;
      statusMessage = { text: `Setting terminationGracePeriodSeconds to ${seconds} s…`, kind: 'info' };
      vscode.postMessage({ type: 'setGrace', seconds });
      render();
    });
    actions.append(set);
  }
  const again = h('vscode-button', { id: 'refresh-shutdown', icon: 'refresh', secondary: true, title: 'Read the project and the chart again (after editing appsettings.json or the code)' }, 'Check again');
  again.addEventListener('click', () => {
    state.shutdown = undefined;
    vscode.postMessage({ type: 'refreshShutdown' });
    render();
  });
  actions.append(again);
  section.append(actions);
  return section;
}

function figure(id: string, value: string, text: string): HTMLElement {
  return h('div', { class: 'figure', id: `figure-${id}` }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, text));
}


/** The worst case drawn: a hang right after a good probe, probes timing out, then the kill. */
function timelineSvg(live: Probe): Node {
  const events = timeline(live);
  const kill = events[events.length - 1].t;
  const P = live.periodSeconds ?? DEFAULTS.periodSeconds;
  const W = 720;
  const H = 150;
  const left = 40;
  const right = 20;
  const end = kill + P / 2;
  const x = (t: number) => left + ((W - left - right) * t) / end;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline', role: 'img', 'aria-labelledby': 'timeline-title timeline-desc' });
  svg.append(s('title', { id: 'timeline-title' }, 'Timeline of a hung worker'));
  const fails = events.filter((e) => e.kind === 'probe' && e.result === 'timeout').length;
  svg.append(s('desc', { id: 'timeline-desc' }, `The worker hangs right after a successful probe at 0 s; ${fails} probes time out; the container is killed at ${kill} s.`));
  // the hang
  svg.append(s('rect', { x: x(0), y: 20, width: x(kill) - x(0), height: 14, class: 'hang' }));
  svg.append(s('text', { x: x(0) + 4, y: 31, class: 'label-on' }, 'worker blocked'));
  // probes
  for (const e of events) {
    if (e.kind !== 'probe') continue;
    if (e.result === 'ok') {
      svg.append(s('circle', { cx: x(e.t), cy: 62, r: 5, class: 'ok' }));
    } else {
      svg.append(s('rect', { x: x(e.t), y: 56, width: Math.max(2, x(e.until) - x(e.t)), height: 12, class: 'timeout' }));
      svg.append(s('circle', { cx: x(e.t), cy: 62, r: 4, class: 'fire' }));
    }
  }
  svg.append(s('text', { x: left - 6, y: 66, class: 'axis-label', 'text-anchor': 'end' }, 'probes'));
  // kill
  svg.append(s('line', { x1: x(kill), x2: x(kill), y1: 14, y2: 96, class: 'kill' }));
  svg.append(s('text', { x: Math.min(x(kill) + 4, W - right - 80), y: 92, class: 'kill-label' }, `killed at ${kill} s`));
  // axis
  svg.append(s('line', { x1: left, x2: W - right, y1: 110, y2: 110, class: 'axis' }));
  const step = P >= 1 ? P : 1;
  for (let t = 0; t <= end; t += step) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: 106, y2: 114, class: 'axis' }));
    svg.append(s('text', { x: x(t), y: 128, class: 'tick', 'text-anchor': 'middle' }, `${t}s`));
  }
  const legend = h('p', { class: 'legend' }, '● probe answered  ▬ probe timed out  | kill');
  return h('figure', { class: 'timeline-figure' }, svg, legend);
}

// ---------- messages ----------

function isHostMessage(m: unknown): m is HostMessage {
  if (typeof m !== 'object' || m === null) return false;
  const msg = m as Record<string, unknown>;
  if (isMeasureMessage(msg)) return true;
  if (msg.type === 'error') return typeof msg.message === 'string' && (msg.at === undefined || isFileLocation(msg.at));
  if (msg.type === 'where') return isWhere(msg.where);
  if (msg.type === 'shutdown') return isShutdownInfo(msg.shutdown);
  if (msg.type === 'graceSet') return typeof msg.ok === 'boolean' && typeof msg.message === 'string';
  if (msg.type !== 'state' || typeof msg.state !== 'object' || msg.state === null) return false;
  const st = msg.state as Record<string, unknown>;
  const problem = st.problem as Record<string, unknown> | undefined;
  if (problem !== undefined && (typeof problem !== 'object' || problem === null || typeof problem.message !== 'string' || !isFileLocation(problem.at))) return false;
  if (msg.draft !== undefined && !isFormDraft(msg.draft)) return false;
  return typeof st.chart === 'string' && typeof st.file === 'string' && ['values', 'template', 'helm', 'none'].includes(String(st.location)) && Array.isArray(st.ports) && isProbeSet(st.probes);
}

function isWhere(v: unknown): v is WhereInfo {
  if (typeof v !== 'object' || v === null) return false;
  const w = v as Record<string, unknown>;
  if (typeof w.workload !== 'string' || typeof w.container !== 'string' || typeof w.fields !== 'object' || w.fields === null || typeof w.switches !== 'object' || w.switches === null) return false;
  for (const [k, list] of Object.entries(w.fields as Record<string, unknown>)) {
    if (!(PROBE_KINDS as readonly string[]).includes(k) || !Array.isArray(list) || list.length > 50) return false;
    if (!list.every((f) => typeof f === 'object' && f !== null && typeof (f as Record<string, unknown>).field === 'string' && typeof (f as Record<string, unknown>).text === 'string' && typeof (f as Record<string, unknown>).editable === 'boolean')) return false;
  }
  return Object.entries(w.switches as Record<string, unknown>).every(([k, t]) => (PROBE_KINDS as readonly string[]).includes(k) && typeof t === 'string');
}

function fromHost(host: FormState): Record<ProbeKind, ProbeForm> {
  return Object.fromEntries(PROBE_KINDS.map((k) => [k, toForm(host.probes[k], host.ports)])) as Record<ProbeKind, ProbeForm>;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isHostMessage(m)) return;
  if (m.type === 'pods' || m.type === 'measureStarted' || m.type === 'measureSamples' || m.type === 'measureDone') {
    if (state.form) measure.onMessage(m);
    return;
  }
  if (m.type === 'error') {
    statusMessage = { text: m.message, kind: 'error', at: m.at };
    render();
    return;
  }
  if (m.type === 'shutdown') {
    state.shutdown = m.shutdown;
    persist();
    const activeId = (document.activeElement as HTMLElement | null)?.id;
    render();
    if (activeId) (document.getElementById(activeId) as HTMLElement | null)?.focus();
    return;
  }
  if (m.type === 'graceSet') {
    graceBusy = false;
    statusMessage = { text: m.message, kind: m.ok ? 'info' : 'error' };
    render();
    return;
  }
  if (m.type === 'where') {
    state.where = m.where;
    persist();
    const activeId = (document.activeElement as HTMLElement | null)?.id;
    render();
    if (activeId) (document.getElementById(activeId) as HTMLElement | null)?.focus();
    return;
  }
  const restoringDraft = m.reason === 'open' && state.form && state.host && canonical(state.host.probes) === canonical(m.state.probes) && isDirty();
  const keepEdits = m.reason === 'external' && isDirty();
  // Reverted while the form already shows the files (typed back by hand): nothing to reload.
  const alreadyThere = m.reason === 'reverted' && state.form && !isDirty() && canonical(probes()) === canonical(m.state.probes);
  state.host = m.state;
  if (m.reason === 'open' && m.draft) state.form = m.draft;
  else if (alreadyThere) {
    persist();
    return;
  } else if (!restoringDraft && !keepEdits) state.form = fromHost(m.state);
  if (m.reason === 'saved') statusMessage = { text: `Saved to ${m.state.file}.`, kind: 'info' };
  if (m.reason === 'added') statusMessage = { text: `The probes are in ${m.state.file}, all off: turn on the ones the worker needs.`, kind: 'info' };
  if (m.reason === 'moved') statusMessage = { text: `The probes now live in ${m.state.file}; the template renders them from there.`, kind: 'info' };
  if (keepEdits) statusMessage = { text: `${m.state.file} changed outside the form; Save writes your edits over it, Revert loads the file.`, kind: 'info' };
  persist();
  render();
});

void Promise.all(['vscode-textfield', 'vscode-button', 'vscode-tabs', 'vscode-single-select', 'vscode-checkbox', 'vscode-collapsible'].map((n) => customElements.whenDefined(n))).then(() => {
  render();
  vscode.postMessage({ type: 'ready' });
});
