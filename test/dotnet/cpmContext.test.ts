import * as assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireDotnet } from '../support/corpus';
import { runCli } from '../support/runCli';

const fixture = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'plain-workers', 'net10-cpm-vs');

/**
 * Central package management with no solution above the project: the versions live in
 * Directory.Packages.props at the root, outside the project's folder (the default build context), so
 * restore in the image could not find them (NU1015). The Dockerfile step refuses it and offers the
 * folder that holds the file, as it does for a referenced project outside the context.
 */
describe('Add Dockerfile under central package management without a solution (real .NET SDK)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => requireDotnet());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-cpmctx-'));
    cpSync(fixture, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the project folder as the context (exit 2, nothing written) and names the folder to use', async () => {
    const project = join(dir, 'src', 'Fabrikam.Sync.Worker');
    const r = await runCli(['dockerfile', project]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, new RegExp(`takes its package versions from ${join(dir, 'Directory.Packages.props').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(central package management\\), outside the build context .* Use ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} as the build context \\(--context `));
    assert.equal(existsSync(join(project, 'Dockerfile')), false);
  });

  it('with --context at the root: the Dockerfile copies Directory.Packages.props before the restore', async () => {
    const project = join(dir, 'src', 'Fabrikam.Sync.Worker');
    const r = await runCli(['dockerfile', project, '--context', dir]);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(join(project, 'Dockerfile'), 'utf8');
    assert.match(text, /COPY \["Directory\.Packages\.props", "\."\]\nCOPY \["src\/Fabrikam\.Sync\.Worker\/Fabrikam\.Sync\.Worker\.csproj", "src\/Fabrikam\.Sync\.Worker\/"\]\nRUN dotnet restore/);
    assert.ok(existsSync(join(dir, '.dockerignore')));
  });
});
