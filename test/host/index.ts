// Entry point for the extension-host test suite, in the shape @vscode/test-electron
// expects: `run()` resolves when every test passed and rejects otherwise.
//
// Used by test/vscode-host/run-host.mjs (code-server, payload extensionTestsPath) and
// test/vscode-host/run-desktop.mjs (@vscode/test-electron). Both load
// out/test/host/index.js, built by `node scripts/build.mjs --tests`.
//
// Environment (optional):
//   AKS_WORKER_HOST_RESULTS  file to write a JSON summary to (the runners read it)
//   AKS_WORKER_HOST_GREP     only run tests whose full title matches this pattern
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { say } from './helpers';

interface TestRecord {
  title: string;
  state: 'passed' | 'failed' | 'skipped';
  durationMs?: number;
  error?: string;
}

interface Summary {
  passed: number;
  failed: number;
  skipped: number;
  tests: TestRecord[];
}

const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_RUN_END } = Mocha.Runner.constants;

/** Prints one line per test through console.log (the extension host forwards it to the runner). */
class HostReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const summary: Summary = { passed: 0, failed: 0, skipped: 0, tests: [] };
    runner.on(EVENT_TEST_PASS, (test: Mocha.Test) => {
      summary.passed++;
      summary.tests.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration ?? 0 });
      say(`✓ ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on(EVENT_TEST_FAIL, (test: Mocha.Test, err: Error) => {
      summary.failed++;
      const error = (err && (err.stack || err.message)) || String(err);
      summary.tests.push({ title: test.fullTitle(), state: 'failed', error });
      say(`✗ ${test.fullTitle()}\n${indent(error)}`);
    });
    runner.on(EVENT_TEST_PENDING, (test: Mocha.Test) => {
      summary.skipped++;
      summary.tests.push({ title: test.fullTitle(), state: 'skipped' });
      say(`- ${test.fullTitle()} (skipped)`);
    });
    runner.once(EVENT_RUN_END, () => {
      say(`done: ${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`);
      const out = process.env.AKS_WORKER_HOST_RESULTS;
      if (out) {
        try {
          fs.writeFileSync(out, JSON.stringify(summary, null, 2));
        } catch (e) {
          say(`could not write ${out}: ${String(e)}`);
        }
      }
    });
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .slice(0, 15)
    .map((l) => `      ${l}`)
    .join('\n');
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    reporter: HostReporter as unknown as typeof Mocha.reporters.Base,
  });
  const grep = process.env.AKS_WORKER_HOST_GREP;
  if (grep) mocha.grep(new RegExp(grep));

  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise<void>((resolve, reject) => {
    if (files.length === 0) {
      reject(new Error(`no *.test.js files beside ${__dirname}`));
      return;
    }
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
