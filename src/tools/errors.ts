/** Typed failures of the command-line tools we drive. Messages are written for the user. */

export interface ToolDescriptor {
  /** The name users know the tool by, e.g. "helm". */
  readonly name: string;
  /** The setting that holds its path, e.g. "aksWorker.paths.helm". */
  readonly setting: string;
  /** One sentence on how to install it. */
  readonly install: string;
  /** The tool's own installation page. */
  readonly url: string;
}

export class ToolError extends Error {
  constructor(message: string, readonly tool: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The binary could not be found or started. */
export class ToolNotFoundError extends ToolError {
  constructor(
    readonly descriptor: ToolDescriptor,
    readonly file: string,
    /** A match found only through a relative PATH entry (".", ""), which is never run. */
    readonly ignored?: string,
  ) {
    super(
      `${descriptor.name} was not found (looked for "${file}"). ${descriptor.install} ` +
        `If it is installed somewhere else, set "${descriptor.setting}" to its full path.` +
        (ignored ? ` (${ignored} is only on PATH through a relative folder, so it is not run: tools are found in absolute PATH folders only.)` : ''),
      descriptor.name,
    );
  }
}

/** The tool ran and exited with a non-zero code. */
export class ToolExitError extends ToolError {
  constructor(
    tool: string,
    readonly commandLine: string,
    readonly exitCode: number | undefined,
    readonly stderrTail: string,
    readonly signal?: string,
  ) {
    const how = exitCode !== undefined ? `exited with code ${exitCode}` : `was ended by ${signal ?? 'a signal'}`;
    super(`${tool} ${how}: ${stderrTail || '(no error output)'}`, tool);
  }
}

/** The user (or a caller) cancelled the run; the process tree was ended. */
export class ToolCancelledError extends ToolError {
  constructor(tool: string, readonly commandLine: string) {
    super(`${tool} was cancelled.`, tool);
  }
}

/** The run took longer than its time limit; the process tree was ended. */
export class ToolTimeoutError extends ToolError {
  constructor(tool: string, readonly commandLine: string, readonly timeoutMs: number) {
    super(`${tool} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`, tool);
  }
}

/** The tool printed more output than a run keeps; the process tree was ended. */
export class ToolOutputLimitError extends ToolError {
  constructor(tool: string, readonly commandLine: string, limit: string) {
    super(`${tool} printed more than ${limit} and was stopped: that is more output than this command can hold.`, tool);
  }
}

/** A failure a user can fix, already explained: what went wrong and what to do. */
export class ActionableError extends ToolError {
  constructor(
    tool: string,
    /** A short code for tests and telemetry-free branching, e.g. "engine-not-running". */
    readonly code: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(message, tool);
  }
}
