/**
 * Follows `docker build` output, BuildKit (`--progress=plain`, "#N …" lines) or the legacy builder
 * ("Step i/n : …"), for a progress notification and a failure message that names the failing step.
 */

export interface BuildState {
  builder?: 'buildkit' | 'legacy';
  /** BuildKit vertices by number: "#7" → "[build 4/7] RUN dotnet restore …". */
  vertices: Map<number, string>;
  /** The Dockerfile step being run, e.g. "[build 4/7] RUN dotnet restore …" or "Step 4/12 : RUN …". */
  currentStep?: string;
  /** 1-based step index and count, when the builder says. */
  stepIndex?: number;
  stepCount?: number;
  failedStep?: string;
  /** The builder's own error line. */
  error?: string;
  /** "Dockerfile:12" when BuildKit points at a line. */
  location?: string;
  imageId?: string;
  /** Lines the failing step printed (BuildKit's "> [step]:" block or legacy output after the step). */
  failureOutput: string[];
  /** Inside BuildKit's "------ > [step]: … ------" block of the failing step's output. */
  inFailureBlock: boolean;
}

export function newBuildState(): BuildState {
  return { vertices: new Map(), failureOutput: [], inFailureBlock: false };
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function applyBuildLine(state: BuildState, raw: string): BuildState {
  const line = raw.replace(ANSI, '').trimEnd();
  if (!line.trim()) return state;
  let m: RegExpExecArray | null;

  // BuildKit
  if ((m = /^#(\d+) (\[.+)$/.exec(line))) {
    state.builder = 'buildkit';
    const n = Number(m[1]);
    if (!state.vertices.has(n)) state.vertices.set(n, m[2]);
    const step = /^\[(?:[\w.-]+ )?(\d+)\/(\d+)\] (.+)$/.exec(m[2]);
    if (step) {
      state.currentStep = m[2];
      state.stepIndex = Number(step[1]);
      state.stepCount = Number(step[2]);
    }
    return state;
  }
  if ((m = /^#(\d+) ERROR: (.+)$/.exec(line))) {
    state.builder = 'buildkit';
    state.failedStep ??= state.vertices.get(Number(m[1]));
    state.error ??= m[2];
    return state;
  }
  if ((m = /^#\d+ writing image (sha256:[a-f0-9]{64})/.exec(line))) {
    state.imageId = m[1];
    return state;
  }
  if (/^#\d+ /.test(line)) {
    state.builder = 'buildkit';
    return state;
  }
  if ((m = /^ > (\[.+\]) .*:$/.exec(line)) || (m = /^ > (\[.+?\]) (.+):$/.exec(line))) {
    state.failedStep ??= line.slice(3, -1);
    state.inFailureBlock = true;
    return state;
  }
  if (line === '------') {
    // Opens and closes the failing step's output block.
    state.inFailureBlock = false;
    return state;
  }
  if (state.inFailureBlock) {
    state.failureOutput.push(line.replace(/^\d+\.\d+ /, ''));
    return state;
  }
  if ((m = /^(Dockerfile[^:]*:\d+)$/.exec(line))) {
    state.location = m[1];
    return state;
  }
  if ((m = /^ERROR: (.+)$/.exec(line))) {
    state.error = m[1].replace(/^failed to solve: /, '');
    return state;
  }

  // Legacy builder
  if ((m = /^Step (\d+)\/(\d+) : (.+)$/.exec(line))) {
    state.builder = 'legacy';
    state.currentStep = `Step ${m[1]}/${m[2]} : ${m[3]}`;
    state.stepIndex = Number(m[1]);
    state.stepCount = Number(m[2]);
    state.failureOutput = [];
    return state;
  }
  if ((m = /^Successfully built ([a-f0-9]{12,64})$/.exec(line))) {
    state.imageId = m[1];
    return state;
  }
  if ((m = /^(The command '.+' returned a non-zero code: \d+)$/.exec(line)) || (m = /^((?:COPY|ADD) failed: .+)$/.exec(line)) || (m = /^(unable to prepare context: .+)$/.exec(line))) {
    state.error = m[1];
    state.failedStep ??= state.currentStep;
    return state;
  }
  if (state.builder === 'legacy' && !/^ ---> |^Removing intermediate|^Sending build context|^Successfully tagged/.test(line)) {
    state.failureOutput.push(line);
    if (state.failureOutput.length > 40) state.failureOutput.shift();
  }
  return state;
}

/** 0–100 from the step counter, when known. */
export function buildPercent(state: BuildState): number | undefined {
  if (!state.stepIndex || !state.stepCount) return undefined;
  return Math.round((100 * (state.stepIndex - 1)) / state.stepCount);
}

/** What failed, for an error message: the step, the Dockerfile line, the builder's error. */
export function buildFailure(state: BuildState, stderrTail = ''): string {
  const step = state.failedStep ?? state.currentStep;
  const parts = [
    step ? `${step.length > 140 ? `${step.slice(0, 137)}…` : step} failed` : 'the build failed',
    state.location ? ` (${state.location})` : '',
    state.error ? `: ${state.error}` : stderrTail ? `: ${stderrTail.split('\n').pop()}` : '',
  ];
  return parts.join('');
}
