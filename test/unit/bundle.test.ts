import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// What the built bundles load, checked on dist/ (npm test builds it before the unit stage).
describe('bundles: what loading costs', function () {
  this.timeout(30_000);
  const root = join(__dirname, '..', '..', '..');
  const dist = (f: string) => {
    const p = join(root, 'dist', f);
    if (!existsSync(p)) assert.fail(`${p} is missing: run "npm run build" first`);
    return p;
  };
  const trace = (args: string[]): { stdout: string; modules: string[] } => {
    const tracer = join(root, 'out', 'test', 'support', 'loadTracer.js');
    const r = spawnSync(process.execPath, ['-r', tracer, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    assert.ok(line, `no module list in: ${r.stderr}`);
    return { stdout: r.stdout, modules: JSON.parse(line.slice('LOADED '.length)) as string[] };
  };

  for (const flag of ['--version', '--help']) {
    it(`aks-worker ${flag} loads no command, tool or parser`, () => {
      const { stdout, modules } = trace([dist('cli.js'), flag]);
      assert.ok(stdout.length > 0);
      assert.deepEqual(
        modules.filter((m) => m !== dist('cli.js')),
        [],
        'only the bundle itself',
      );
    });
  }

  it('loading the extension bundle loads neither execa nor yaml', () => {
    const { modules } = trace(['-e', `require(${JSON.stringify(dist('extension.js'))})`]);
    assert.ok(modules.includes('vscode'));
    assert.deepEqual(modules.filter((m) => /vendor\/(execa|yaml)/.test(m)), []);
  });

  it('the extension bundle requires vscode plainly: no interop copy of its exports', () => {
    const text = readFileSync(dist('extension.js'), 'utf8');
    assert.ok(text.includes('require("vscode")'));
    // Wrapped, in a development or a minified build: __toESM(require("vscode")) or he(require("vscode")).
    assert.doesNotMatch(text, /[\w$]\(require\("vscode"\)/);
  });
});
