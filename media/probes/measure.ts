// "Measure it" on the Probe form's page: pick a pod of the release, call its health endpoint through
// kubectl port-forward (the host does that), watch the latencies arrive, and the p99 fills the
// form's p99 field when the run ends.
import { Sample, describeSummary, formatMs, summarizeSamples } from '../../src/core/latency';
import { DEFAULTS, Probe, probeBudget } from '../../src/core/probes';
import type { HostMessage, MeasureEnd, MeasurePod, PageMessage } from '../../src/extension/probes/protocol';
import { MEASURE_LIMITS, isSample } from '../../src/extension/probes/protocol';
import { h, svg as s } from '../shared/dom';

export interface MeasureState {
  pod?: string;
  duration: string;
  requestTimeout: string;
  release?: string;
  namespace?: string;
  pods?: MeasurePod[];
  podsError?: string;
  running: boolean;
  run?: { pod: string; port: number; localPort: number; durationSeconds: number; requestTimeoutSeconds: number; probeTimeoutSeconds: number; startedAt: number };
  samples: Sample[];
  ended?: { ended: MeasureEnd; message?: string };
  /** The run (its start time) whose p99 already went into the field: a replay does not fill it again. */
  filledFor?: number;
}

export interface MeasureDeps {
  state(): MeasureState;
  /** The liveness probe as the form has it now (unsaved edits included). */
  liveness(): Probe | undefined;
  post(m: PageMessage): void;
  persist(): void;
  /** Puts a value into the p99 field and re-renders the form. */
  fillP99(seconds: number): void;
}

export const emptyMeasure = (): MeasureState => ({ duration: '60', requestTimeout: '', running: false, samples: [] });

type MeasureMessage = Extract<HostMessage, { type: 'pods' | 'measureStarted' | 'measureSamples' | 'measureDone' }>;

export function isMeasureMessage(m: Record<string, unknown>): m is MeasureMessage {
  switch (m.type) {
    case 'pods':
      return typeof m.release === 'string' && typeof m.namespace === 'string' && Array.isArray(m.pods) && m.pods.every((p) => typeof p === 'object' && p !== null && typeof (p as MeasurePod).name === 'string' && typeof (p as MeasurePod).status === 'string') && (m.error === undefined || typeof m.error === 'string');
    case 'measureStarted':
      return typeof m.pod === 'string' && typeof m.port === 'number' && typeof m.localPort === 'number' && typeof m.durationSeconds === 'number' && typeof m.requestTimeoutSeconds === 'number' && typeof m.startedAt === 'number';
    case 'measureSamples':
      return Array.isArray(m.samples) && m.samples.length <= 10_000 && m.samples.every(isSample);
    case 'measureDone':
      return ['duration', 'stopped', 'lost', 'failed'].includes(String(m.ended)) && (m.message === undefined || typeof m.message === 'string');
    default:
      return false;
  }
}

export function createMeasure(d: MeasureDeps) {
  let listed = false;
  let tick: number | undefined;

  const probeTimeout = () => d.liveness()?.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  const defaultRequestTimeout = () => {
    const live = d.liveness();
    return Math.min(MEASURE_LIMITS.requestTimeoutSeconds, Math.max(10, live ? probeBudget(live).worstCaseDetectSeconds : 30));
  };
  const requested = () => {
    const st = d.state();
    const duration = Number(st.duration.trim() || '60');
    const timeout = Number(st.requestTimeout.trim() || String(defaultRequestTimeout()));
    const problems: string[] = [];
    if (!Number.isFinite(duration) || duration < 1 || duration > MEASURE_LIMITS.durationSeconds) problems.push(`Duration: 1 to ${MEASURE_LIMITS.durationSeconds} seconds.`);
    if (!Number.isFinite(timeout) || timeout < 1 || timeout > MEASURE_LIMITS.requestTimeoutSeconds) problems.push(`Request timeout: 1 to ${MEASURE_LIMITS.requestTimeoutSeconds} seconds.`);
    return { duration, timeout, problems };
  };

  function statusText(): { text: string; kind: string } {
    const st = d.state();
    if (st.running && st.run) {
      const elapsed = Math.min(st.run.durationSeconds, Math.floor((Date.now() - st.run.startedAt) / 1000));
      return { text: `Measuring ${st.run.pod} (port ${st.run.port}, forwarded to 127.0.0.1:${st.run.localPort}): ${elapsed} of ${st.run.durationSeconds} s, ${st.samples.length} requests.`, kind: 'info' };
    }
    if (st.running) return { text: 'Starting kubectl port-forward…', kind: 'info' };
    if (st.ended) {
      const n = st.samples.length;
      switch (st.ended.ended) {
        case 'duration':
          return { text: `Done: ${n} requests to ${st.run?.pod ?? 'the pod'}.`, kind: 'ok' };
        case 'stopped':
          return { text: `Stopped after ${n} requests.`, kind: 'info' };
        case 'lost':
          return { text: `${st.ended.message ?? 'kubectl lost the pod.'} ${n} requests were made before that; a block longer than the budget gets the worker killed, which is what the liveness probe is for.`, kind: 'warn' };
        default:
          return { text: st.ended.message ?? 'Measuring failed.', kind: 'error' };
      }
    }
    if (st.podsError) return { text: st.podsError, kind: 'warn' };
    return { text: '', kind: 'info' };
  }

  function results(): HTMLElement {
    const st = d.state();
    const box = h('div', { id: 'measure-results' });
    if (!st.samples.length) return box;
    const reqTimeoutMs = (st.run?.requestTimeoutSeconds ?? defaultRequestTimeout()) * 1000;
    const pt = st.run?.probeTimeoutSeconds ?? probeTimeout();
    const sum = summarizeSamples(st.samples, reqTimeoutMs, pt);
    const cell = (id: string, label: string, value: string) => h('div', { class: 'figure small', id: `measure-${id}` }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
    box.append(
      h(
        'div',
        { class: 'figures measure-figures' },
        cell('p50', 'p50', formatMs(sum.p50Ms)),
        cell('p95', 'p95', formatMs(sum.p95Ms)),
        cell('p99', 'p99', `${sum.p99AtLeast ? '≥ ' : ''}${formatMs(sum.p99Ms)}`),
        cell('max', 'max', `${sum.maxAtLeast ? '≥ ' : ''}${formatMs(sum.maxMs)}`),
        cell('timeouts', 'timeouts', String(sum.timeouts)),
        cell('slow', `slower than the probe's ${pt} s`, String(sum.slowerThanProbe ?? 0)),
      ),
      h('p', { id: 'measure-summary' }, describeSummary(sum, reqTimeoutMs, pt)),
      chart(st.samples, pt, reqTimeoutMs),
    );
    if (!st.running && sum.p99Seconds !== undefined) {
      const use = h('vscode-button', { id: 'measure-use-p99', secondary: true, icon: 'arrow-up' }, `Use p99 (${sum.p99Seconds} s)`);
      use.addEventListener('click', () => d.fillP99(sum.p99Seconds as number));
      box.append(h('div', { class: 'use-p99' }, use));
    }
    return box;
  }

  /** Latency of each request over time, the probe's timeout as a line: blocks stand out as spikes. */
  function chart(samples: Sample[], probeTimeoutSeconds: number, reqTimeoutMs: number): Node {
    const W = 720;
    const H = 140;
    const left = 48;
    const right = 12;
    const top = 10;
    const bottom = 24;
    const end = Math.max(1000, ...samples.map((x) => x.at + x.ms));
    const limit = probeTimeoutSeconds * 1000;
    const yMax = Math.max(limit * 1.2, ...samples.map((x) => (x.outcome === 'timeout' ? reqTimeoutMs : x.ms)));
    const x = (t: number) => left + ((W - left - right) * t) / end;
    const y = (ms: number) => H - bottom - ((H - top - bottom) * Math.min(ms, yMax)) / yMax;
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'latency', role: 'img', 'aria-labelledby': 'latency-title' });
    svg.append(s('title', { id: 'latency-title' }, `Latency of ${samples.length} requests over ${formatMs(end)}; the dashed line is the probe's ${probeTimeoutSeconds} s timeout.`));
    svg.append(s('line', { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: 'axis' }));
    svg.append(s('line', { x1: left, x2: W - right, y1: y(limit), y2: y(limit), class: 'limit' }));
    svg.append(s('text', { x: left - 4, y: y(limit) + 4, class: 'tick', 'text-anchor': 'end' }, `${probeTimeoutSeconds}s`));
    if (Math.abs(y(limit) - top) > 14) svg.append(s('text', { x: left - 4, y: top + 8, class: 'tick', 'text-anchor': 'end' }, formatMs(yMax)));
    svg.append(s('text', { x: W - right, y: H - 6, class: 'tick', 'text-anchor': 'end' }, formatMs(end)));
    for (const sm of samples) {
      const ms = sm.outcome === 'timeout' ? reqTimeoutMs : sm.ms;
      const cls = sm.outcome === 'ok' ? (sm.ms > limit ? 'slow' : 'ok') : sm.outcome === 'status' ? 'bad' : sm.outcome === 'timeout' ? 'slow' : 'bad';
      // from when it was sent, as wide as it waited and as tall as it took: a block shows as a block
      const y0 = Math.min(H - bottom - 1.5, y(ms));
      svg.append(s('rect', { x: x(sm.at), y: y0, width: Math.max(1.5, x(sm.at + ms) - x(sm.at)), height: H - bottom - y0, class: `sample ${cls}` }));
    }
    return h('figure', { class: 'latency-figure' }, svg, h('p', { class: 'legend' }, 'each bar: one request, from when it was sent, as wide and as tall as the time to answer · dashed: the probe\'s timeout · red: failed or slower than the probe\'s timeout'));
  }

  function refreshLive(): void {
    const status = document.getElementById('measure-status');
    if (status) {
      const t = statusText();
      status.textContent = t.text;
      status.className = t.kind;
    }
    document.getElementById('measure-results')?.replaceWith(results());
  }

  function section(): HTMLElement {
    const st = d.state();
    const live = d.liveness();
    const sec = h('section', { class: 'measure', id: 'measure', 'aria-labelledby': 'measure-title' }, h('h2', { id: 'measure-title' }, h('span', { class: 'codicon codicon-graph-line', 'aria-hidden': 'true' }), ' Measure it'));
    const where = st.release ? `release ${st.release} in ${st.namespace}` : 'the release';
    sec.append(h('p', { class: 'why' }, `Calls the probe's health endpoint on a running pod of ${where} through kubectl port-forward, one request after another, to see how long the worker really blocks. The p99 then fills the field above.`));
    if (!live || live.handler.type !== 'httpGet') {
      sec.append(h('p', { class: 'note', id: 'measure-unavailable' }, live ? `The liveness probe is ${live.handler.type}; measuring calls an HTTP endpoint, so it needs an httpGet probe.` : 'Turn the liveness probe on (httpGet) to measure its endpoint.'));
      return sec;
    }
    if (!listed) {
      listed = true;
      d.post({ type: 'listPods' });
    }
    const podSel = h('vscode-single-select', { id: 'measure-pod', 'aria-label': 'Pod', disabled: st.running || !st.pods?.length });
    for (const p of st.pods ?? []) podSel.append(h('vscode-option', { value: p.name, selected: p.name === st.pod }, `${p.name} (${p.status}${p.ready ? '' : ', not ready'})`));
    if (!st.pods?.length) podSel.append(h('vscode-option', { value: '' }, st.pods ? 'no pods' : 'loading…'));
    podSel.addEventListener('change', () => {
      st.pod = (podSel as unknown as { value: string }).value;
      d.persist();
    });
    const refresh = h('vscode-button', { id: 'measure-refresh', secondary: true, icon: 'refresh', disabled: st.running, title: 'List the pods again' }, 'Refresh');
    refresh.addEventListener('click', () => {
      if (refresh.hasAttribute('disabled')) return;
      st.pods = undefined;
      st.podsError = undefined;
      d.persist();
      d.post({ type: 'listPods' });
      sec.replaceWith(section());
    });
    const text = (id: string, label: string, key: 'duration' | 'requestTimeout', placeholder: string) => {
      const f = h('vscode-textfield', { id, type: 'number', value: st[key], placeholder, disabled: st.running });
      f.addEventListener('input', () => {
        st[key] = (f as unknown as { value: string }).value;
        d.persist();
        const problems = requested().problems;
        const help = document.getElementById('measure-input-help');
        if (help) help.textContent = problems.join(' ');
      });
      return h('div', { class: 'field' }, h('vscode-label', { for: id }, label), f);
    };
    const go = h('vscode-button', { id: 'measure-start', icon: st.running ? 'debug-stop' : 'play', disabled: !st.running && !st.pods?.length }, st.running ? 'Stop' : 'Measure');
    go.addEventListener('click', () => {
      if (go.hasAttribute('disabled')) return;
      if (st.running) {
        d.post({ type: 'stopMeasure' });
        return;
      }
      const r = requested();
      const pod = st.pod && st.pods?.some((p) => p.name === st.pod) ? st.pod : st.pods?.[0]?.name;
      const handler = d.liveness()?.handler;
      if (r.problems.length || !pod || handler?.type !== 'httpGet') {
        const help = document.getElementById('measure-input-help');
        if (help) help.textContent = r.problems.join(' ') || 'Pick a pod first.';
        return;
      }
      st.pod = pod;
      st.running = true;
      st.samples = [];
      st.ended = undefined;
      st.run = undefined;
      d.persist();
      d.post({ type: 'measure', pod, handler, durationSeconds: r.duration, requestTimeoutSeconds: r.timeout });
      sec.replaceWith(section());
    });
    sec.append(
      h(
        'div',
        { class: 'grid measure-controls' },
        h('div', { class: 'field' }, h('vscode-label', { for: 'measure-pod' }, 'Pod'), h('div', { class: 'row' }, podSel, refresh)),
        text('measure-duration', 'Duration (s)', 'duration', '60'),
        text('measure-timeout', 'Request timeout (s)', 'requestTimeout', `default ${defaultRequestTimeout()}`),
        h('div', { class: 'field go' }, go),
      ),
      h('vscode-form-helper', { id: 'measure-input-help', class: 'error' }, requested().problems.join(' ')),
    );
    const t = statusText();
    sec.append(h('p', { id: 'measure-status', role: 'status', class: t.kind }, t.text), results());
    return sec;
  }

  function onMessage(m: MeasureMessage): void {
    const st = d.state();
    switch (m.type) {
      case 'pods':
        st.release = m.release;
        st.namespace = m.namespace;
        st.pods = m.pods;
        st.podsError = m.error;
        if (!st.pod || !m.pods.some((p) => p.name === st.pod)) st.pod = m.pods[0]?.name;
        d.persist();
        document.getElementById('measure')?.replaceWith(section());
        return;
      case 'measureStarted':
        // also the first message of a replay to a reloaded page: the samples follow in full
        st.running = true;
        st.ended = undefined;
        st.samples = [];
        st.run = { pod: m.pod, port: m.port, localPort: m.localPort, durationSeconds: m.durationSeconds, requestTimeoutSeconds: m.requestTimeoutSeconds, probeTimeoutSeconds: probeTimeout(), startedAt: m.startedAt };
        d.persist();
        if (tick) clearInterval(tick);
        tick = window.setInterval(refreshLive, 1000);
        refreshLive();
        return;
      case 'measureSamples':
        st.samples.push(...m.samples);
        d.persist();
        refreshLive();
        return;
      case 'measureDone': {
        if (!st.running) return; // a replay for a page that was not measuring
        if (tick) clearInterval(tick);
        tick = undefined;
        st.running = false;
        st.ended = { ended: m.ended, ...(m.message ? { message: m.message } : {}) };
        d.persist();
        const sum = st.samples.length ? summarizeSamples(st.samples, (st.run?.requestTimeoutSeconds ?? defaultRequestTimeout()) * 1000) : undefined;
        if (m.ended !== 'failed' && sum?.p99Seconds !== undefined && st.run && st.filledFor !== st.run.startedAt) {
          st.filledFor = st.run.startedAt;
          d.fillP99(sum.p99Seconds);
        } else document.getElementById('measure')?.replaceWith(section());
      }
    }
  }

  return { section, onMessage };
}
