import { LineSplitter, MAX_LINE_CHARS, TailBuffer, tail } from '../core/lines';
import { displayCommand, redact } from '../core/redact';
import {
  ToolCancelledError,
  ToolDescriptor,
  ToolExitError,
  ToolNotFoundError,
  ToolOutputLimitError,
  ToolTimeoutError,
} from './errors';
import { lookUp } from './which';

/** Where output lines go, already redacted. The extension passes its LogOutputChannel here. */
export interface LineSink {
  info(line: string): void;
  /** stderr lines; tools write progress there too, so this is not necessarily an error. */
  stderr?(line: string): void;
}

export interface RunOptions {
  cwd?: string;
  /** Added to the current environment; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, then stdin is closed. Use it for secrets (never an argument). */
  stdin?: string;
  /** Strings masked in every logged line, in errors and in the returned output. `stdin` is always one. */
  secrets?: readonly string[];
  signal?: AbortSignal;
  /** Ends the whole process tree after this many milliseconds. */
  timeoutMs?: number;
  /** How long a child gets between SIGTERM and SIGKILL. Default 3000 ms. */
  killGraceMs?: number;
  sink?: LineSink;
  /** Called for every stdout line (redacted), e.g. to parse progress while it streams. */
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /**
   * Called with stdout as it arrives, in chunks that may end anywhere, NOT redacted: for output that
   * is not line-based (a JSON stream). Never use it for output that may hold a secret.
   */
  onStdoutChunk?: (chunk: string) => void;
  /**
   * Keep the whole stdout for the result. Default: true, unless the caller reads stdout as it streams
   * (onStdoutLine, onStdoutChunk); then the result keeps only its last STREAM_TAIL_CHARS.
   */
  keepStdout?: boolean;
  /** The longest line passed to the sink and the line callbacks; a longer one is reported and dropped. Default 16 MiB. */
  maxLineChars?: number;
  /** Send stdout lines to the sink. Default true; false for output that holds a secret (a token). */
  logStdout?: boolean;
  /** Log the command line before running it. Default true. */
  logCommand?: boolean;
  /** Treat these exit codes as success. Default [0]. */
  okExitCodes?: readonly number[];
}

export interface RunResult {
  commandLine: string;
  exitCode: number;
  /** All of stdout; for a streamed run (see `keepStdout`) only its last STREAM_TAIL_CHARS. */
  stdout: string;
  /** The last STDERR_TAIL_CHARS of stderr. */
  stderr: string;
  durationMs: number;
}

/** How much of stderr a run keeps for its result and error message. */
export const STDERR_TAIL_CHARS = 64 * 1024;
/** How much of stdout a streamed run keeps. */
export const STREAM_TAIL_CHARS = 64 * 1024;
/** The most stdout a run that keeps it may print; past it the run is ended with ToolOutputLimitError. */
export const MAX_KEPT_STDOUT_CHARS = 64 * 1024 * 1024;

const isWindows = process.platform === 'win32';

interface Running {
  pid: number | undefined;
  /** Ends the process tree (SIGTERM, then SIGKILL after the grace period). */
  end(graceMs?: number): void;
  /** SIGKILL to the process tree at once. */
  kill(): void;
  /** Settles when the run is over. */
  exited: Promise<unknown>;
}

/** Process trees still running, so they can be ended when the extension or CLI shuts down. */
const running = new Set<Running>();

/** The process groups still running (their leaders' pids), e.g. for a shutdown message. */
export function runningPids(): number[] {
  return [...running].flatMap((r) => (r.pid === undefined ? [] : [r.pid]));
}

/**
 * Ends every process tree this module started that is still running: SIGTERM to each group, SIGKILL
 * to what is left after `graceMs`. Resolves when every run is over (or at the latest shortly after
 * the SIGKILL), so a CLI can exit only once its children are gone.
 */
export function endAllRunning(graceMs = 3000): Promise<void> {
  const all = [...running];
  for (const r of all) r.end(graceMs);
  if (all.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, graceMs + 500);
    void Promise.allSettled(all.map((r) => r.exited)).then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** What must be undone at shutdown beyond processes: a container preflight started, say. */
const cleanups = new Set<() => Promise<unknown>>();

/** Registers a clean-up to run at shutdown (after the running tools end); returns its removal. */
export function registerCleanup(fn: () => Promise<unknown>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Runs the registered clean-ups, side by side, for at most `timeoutMs`. */
export function runCleanups(timeoutMs = 10_000): Promise<void> {
  const all = [...cleanups];
  cleanups.clear();
  if (all.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    void Promise.allSettled(all.map((fn) => fn())).then(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** SIGKILL, now, to every process tree this module started that is still running (a second Ctrl-C). */
export function killAllRunning(): void {
  for (const r of [...running]) r.kill();
}

/**
 * Runs `file` with `args` as an argument array: no shell ever sees them. Output streams line by line
 * to the sink with secrets masked; the AbortSignal and the time limit end the whole process tree.
 */
export async function runTool(tool: ToolDescriptor, file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const secrets = [...(options.secrets ?? []), ...(options.stdin ? [options.stdin, options.stdin.trim()] : [])];
  const mask = (s: string) => redact(s, secrets);
  const commandLine = mask(displayCommand(file, args));
  const sink = options.sink;
  if (options.logCommand !== false) sink?.info(`$ ${commandLine}`);
  if (options.signal?.aborted) throw new ToolCancelledError(tool.name, commandLine);
  // An absolute path from PATH (or the user's setting), so no lookup ever tries the child's cwd.
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  const found = await lookUp(file, env, options.cwd);
  if (!found.path) throw new ToolNotFoundError(tool, file, found.ignored[0]);
  const executable = found.path;

  // Loaded on first use: execa's module graph costs ~20 ms, which activation should not pay.
  const { execa } = await import('execa');
  const started = Date.now();
  const child = execa(executable, [...args], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    shell: false,
    reject: false,
    detached: !isWindows, // own process group, so cancellation can end grandchildren too
    cleanup: true,
    windowsHide: true,
    stripFinalNewline: false,
    encoding: 'utf8',
    // Output is read here as it streams, keeping what the caller needs: execa holds none of it.
    buffer: false,
    ...(options.stdin !== undefined ? { input: options.stdin } : { stdin: 'ignore' as const }),
  });

  const maxLineChars = options.maxLineChars ?? MAX_LINE_CHARS;
  const oversize = (stream: string) => (limit: number) =>
    (sink?.stderr ?? sink?.info)?.call(sink, `(${tool.name} printed a line of more than ${formatChars(limit)} on ${stream}; it was dropped)`);
  const outLines = new LineSplitter((line) => {
    const l = mask(line);
    if (options.logStdout !== false) sink?.info(l);
    options.onStdoutLine?.(l);
  }, { maxLineChars, onOversize: oversize('stdout') });
  const errLines = new LineSplitter((line) => {
    const l = mask(line);
    (sink?.stderr ?? sink?.info)?.call(sink, l);
    options.onStderrLine?.(l);
  }, { maxLineChars, onOversize: oversize('stderr') });
  // Lines are split only when someone reads them: a silent stream is just collected.
  const wantOutLines = options.onStdoutLine !== undefined || (sink !== undefined && options.logStdout !== false);
  const keepStdout = options.keepStdout ?? (options.onStdoutLine === undefined && options.onStdoutChunk === undefined);
  const outAll: string[] = [];
  let outSize = 0;
  const outTail = new TailBuffer(STREAM_TAIL_CHARS);
  const errTail = new TailBuffer(STDERR_TAIL_CHARS);
  let ending: 'cancelled' | 'timeout' | 'output-limit' | undefined;
  const endTree = (why: 'cancelled' | 'timeout' | 'output-limit', graceMs = options.killGraceMs ?? 3000) => {
    if (ending) return;
    ending = why;
    killTree(child.pid, graceMs);
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    if (keepStdout) {
      outSize += chunk.length;
      if (outSize > MAX_KEPT_STDOUT_CHARS) endTree('output-limit');
      else outAll.push(chunk);
    } else {
      outTail.push(chunk);
    }
    options.onStdoutChunk?.(chunk);
    if (wantOutLines) outLines.push(chunk);
  });
  child.stderr?.on('data', (chunk: string) => {
    errTail.push(chunk);
    errLines.push(chunk);
  });

  const onAbort = () => endTree('cancelled');
  const entry: Running = {
    pid: child.pid,
    end: (graceMs) => endTree('cancelled', graceMs),
    kill: () => {
      ending ??= 'cancelled';
      if (child.pid === undefined) return;
      if (isWindows) killTree(child.pid, 0);
      else signalGroup(child.pid, 'SIGKILL');
    },
    exited: child.then(() => undefined, () => undefined),
  };
  running.add(entry);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(() => endTree('timeout'), options.timeoutMs) : undefined;

  try {
    const result = await child;
    outLines.end();
    errLines.end();
    const durationMs = Date.now() - started;
    const stdout = mask(keepStdout ? outAll.join('') : outTail.toString());
    const stderr = mask(errTail.toString());
    if (ending === 'cancelled') throw new ToolCancelledError(tool.name, commandLine);
    if (ending === 'timeout') throw new ToolTimeoutError(tool.name, commandLine, options.timeoutMs ?? 0);
    if (ending === 'output-limit') throw new ToolOutputLimitError(tool.name, commandLine, formatChars(MAX_KEPT_STDOUT_CHARS));
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'EACCES' || (result.exitCode === undefined && /ENOENT/.test(result.message ?? ''))) {
      throw new ToolNotFoundError(tool, file);
    }
    const exitCode = result.exitCode;
    if (exitCode === undefined || !(options.okExitCodes ?? [0]).includes(exitCode)) {
      throw new ToolExitError(tool.name, commandLine, exitCode, tail(stderr || stdout), result.signal);
    }
    return { commandLine, exitCode, stdout, stderr, durationMs };
  } finally {
    running.delete(entry);
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** SIGTERM to the process group, then SIGKILL after the grace period if anything is left. */
function killTree(pid: number | undefined, graceMs: number): void {
  if (pid === undefined) return;
  if (isWindows) {
    // taskkill ends the tree; it is a fixed system binary with a fixed argument list.
    void import('execa').then(({ execa }) => execa('taskkill', ['/pid', String(pid), '/T', '/F'], { reject: false, windowsHide: true }));
    return;
  }
  signalGroup(pid, 'SIGTERM');
  const t = setTimeout(() => {
    // The group may outlive its leader (a grandchild that ignores SIGTERM): always try.
    signalGroup(pid, 'SIGKILL');
  }, graceMs);
  t.unref?.();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** 16777216 → "16 MiB". */
function formatChars(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} characters`;
}
