/** What the subcommands share: bad-input reporting and flags read the same way. */

/** Reports bad input for a subcommand on stderr; returns exit code 2. */
export function badInput(err: (s: string) => void, command: string): (message: string) => number {
  return (message) => {
    err(`aks-worker ${command}: ${message}\n`);
    return 2;
  };
}

export function healthPortFlag(flags: Record<string, string | boolean>): number | string | undefined {
  if (flags['health-port'] === undefined) return undefined;
  const n = Number(flags['health-port']);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : `--health-port must be a whole number from 1 to 65535 (got "${String(flags['health-port'])}").`;
}
