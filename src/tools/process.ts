import { LineSplitter, tail } from '../core/lines';
import { displayCommand, redact } from '../core/redact';
import {
  ToolCancelledError,
  ToolDescriptor,
  ToolExitError,
  ToolNotFoundError,
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
  stdout: string;
  stderr: string;
  durationMs: number;
}

const isWindows = process.platform === 'win32';

/** Process trees still running, so they can be ended when the extension or CLI shuts down. */
const running = new Set<() => void>();

/** Ends every process tree this module started that is still running (SIGTERM, then SIGKILL). */
export function endAllRunning(): void {
  for (const end of [...running]) end();
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
    ...(options.stdin !== undefined ? { input: options.stdin } : { stdin: 'ignore' as const }),
  });

  const outLines = new LineSplitter((line) => {
    const l = mask(line);
    if (options.logStdout !== false) sink?.info(l);
    options.onStdoutLine?.(l);
  });
  const errLines = new LineSplitter((line) => {
    const l = mask(line);
    (sink?.stderr ?? sink?.info)?.call(sink, l);
    options.onStderrLine?.(l);
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => outLines.push(chunk));
  child.stderr?.on('data', (chunk: string) => errLines.push(chunk));

  let ending: 'cancelled' | 'timeout' | undefined;
  const endTree = (why: 'cancelled' | 'timeout') => {
    if (ending) return;
    ending = why;
    killTree(child.pid, options.killGraceMs ?? 3000);
  };
  const onAbort = () => endTree('cancelled');
  running.add(onAbort);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = options.timeoutMs ? setTimeout(() => endTree('timeout'), options.timeoutMs) : undefined;

  try {
    const result = await child;
    outLines.end();
    errLines.end();
    const durationMs = Date.now() - started;
    const stdout = mask(String(result.stdout ?? ''));
    const stderr = mask(String(result.stderr ?? ''));
    if (ending === 'cancelled') throw new ToolCancelledError(tool.name, commandLine);
    if (ending === 'timeout') throw new ToolTimeoutError(tool.name, commandLine, options.timeoutMs ?? 0);
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
    running.delete(onAbort);
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
