import { main } from '../../src/cli';

// The CLI as its own process, for tests that must see how the process ends (an abort, an exit code).
main(process.argv.slice(2), (s) => process.stdout.write(s), (s) => process.stderr.write(s)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`aks-worker: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
