/**
 * Follows `docker push` output (plain lines, or a terminal's redraws once ANSI codes are removed)
 * and keeps each layer's state, for a progress notification and the final summary.
 */

export type LayerState = 'preparing' | 'waiting' | 'pushing' | 'pushed' | 'exists' | 'mounted' | 'retrying';

export interface LayerProgress {
  id: string;
  state: LayerState;
  /** Bytes so far and in total while pushing, when docker says. */
  current?: number;
  total?: number;
  /** For "Mounted from <repo>". */
  from?: string;
}

export interface PushState {
  repository?: string;
  layers: Map<string, LayerProgress>;
  tag?: string;
  digest?: string;
  size?: number;
  /** Lines that were not progress: errors and anything unknown, in order. */
  other: string[];
}

export function newPushState(): PushState {
  return { layers: new Map(), other: [] };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12 };

function bytes(text: string): number | undefined {
  const m = /^([\d.]+)\s*([kKMGT]?B)$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * (UNITS[m[2]] ?? 1)) : undefined;
}

/** Applies one output line to the state (mutates and returns it). */
export function applyPushLine(state: PushState, raw: string): PushState {
  const line = raw.replace(ANSI, '').trim();
  if (!line) return state;
  let m = /^The push refers to repository \[(.+)\]$/.exec(line);
  if (m) {
    state.repository = m[1];
    return state;
  }
  m = /^(\S+): digest: (sha256:[a-f0-9]{64}) size: (\d+)$/.exec(line);
  if (m) {
    state.tag = m[1];
    state.digest = m[2];
    state.size = Number(m[3]);
    return state;
  }
  m = /^([a-f0-9]{12,64}): (.+)$/.exec(line);
  if (m) {
    const [, id, what] = m;
    const layer: LayerProgress = state.layers.get(id) ?? { id, state: 'preparing' };
    let p: RegExpExecArray | null;
    if (what === 'Preparing') layer.state = 'preparing';
    else if (what === 'Waiting') layer.state = 'waiting';
    else if (what === 'Pushed') {
      layer.state = 'pushed';
      if (layer.total !== undefined) layer.current = layer.total;
    } else if (what === 'Layer already exists') layer.state = 'exists';
    else if ((p = /^Mounted from (.+)$/.exec(what))) {
      layer.state = 'mounted';
      layer.from = p[1];
    } else if ((p = /^Retrying in \d+ seconds?$/.exec(what))) layer.state = 'retrying';
    else if ((p = /^Pushing\s+(?:\[[=> ]*\]\s*)?([\d.]+\s*[kKMGT]?B)(?:\/([\d.]+\s*[kKMGT]?B))?$/.exec(what))) {
      layer.state = 'pushing';
      layer.current = bytes(p[1]);
      if (p[2]) layer.total = bytes(p[2]);
    } else {
      state.other.push(line);
      return state;
    }
    state.layers.set(id, layer);
    return state;
  }
  state.other.push(line);
  return state;
}

export interface PushSummary {
  layers: number;
  uploaded: number;
  reused: number;
  /** 0–100 over the layers' known byte totals, or over finished layers when sizes are unknown. */
  percent: number;
  done: boolean;
}

export function summarizePush(state: PushState): PushSummary {
  const layers = [...state.layers.values()];
  const uploaded = layers.filter((l) => l.state === 'pushed').length;
  const reused = layers.filter((l) => l.state === 'exists' || l.state === 'mounted').length;
  const finished = uploaded + reused;
  const sized = layers.filter((l) => l.total);
  let percent: number;
  if (state.digest) percent = 100;
  else if (sized.length && sized.length === layers.filter((l) => l.state === 'pushing' || l.state === 'pushed').length) {
    const total = sized.reduce((a, l) => a + (l.total ?? 0), 0);
    const current = sized.reduce((a, l) => a + (l.current ?? 0), 0);
    const finishedShare = layers.length ? finished / layers.length : 0;
    percent = Math.min(99, Math.round(100 * Math.max(finishedShare, total ? current / total : 0)));
  } else percent = layers.length ? Math.min(99, Math.round((100 * finished) / layers.length)) : 0;
  return { layers: layers.length, uploaded, reused, percent, done: !!state.digest };
}
