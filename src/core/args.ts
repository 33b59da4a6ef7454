/** A small, strict argument parser for the aks-worker CLI: unknown flags are errors, not ignored. */

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Takes a value (`--helm /usr/bin/helm` or `--helm=/usr/bin/helm`); otherwise a boolean switch. */
  value?: boolean;
  /** May be given several times; the values are collected in order in `lists` (the last is also in `flags`). */
  repeat?: boolean;
  /** A one-letter form, e.g. "f" for `-f FILE`. */
  short?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean>;
  /** Every value of a repeatable flag, in order. */
  lists: Record<string, string[]>;
}

export function parseArgs(argv: readonly string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  const lists: Record<string, string[]> = {};
  const shorts = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.short) shorts.set(`-${s.short}`, name);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    const short = shorts.get(arg);
    if (short) arg = `--${short}`;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && arg !== '-h') throw new UsageError(`unknown option ${arg}`);
      positionals.push(arg === '-h' ? '--help' : arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option --${name}`);
    if (s.value) {
      const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || (eq < 0 && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      if (flags[name] !== undefined && !s.repeat) throw new UsageError(`--${name} is given twice`);
      flags[name] = v;
      if (s.repeat) (lists[name] ??= []).push(v);
    } else {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    }
  }
  return { positionals, flags, lists };
}
