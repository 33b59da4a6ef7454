// Builds the TypeScript tests, then runs mocha on the given globs (and flags) with the counting reporter.
//   node scripts/run-mocha.mjs 'out/test/unit/**/*.test.js' [more globs or mocha flags]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = spawnSync(process.execPath, ['scripts/build.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const mocha = fileURLToPath(new URL('../node_modules/mocha/bin/mocha.js', import.meta.url));
const r = spawnSync(process.execPath, [mocha, '--reporter', './test/support/reporter.js', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
