import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/runCli';

const cli = (args: string[]) => runCli(args);

/** A stand-in executable that prints fixed text; only the CLI's argument handling is under test here. */
function fakeTool(dir: string, name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('aks-worker CLI', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aksw-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help lists the commands and exit codes', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /doctor/);
    assert.match(r.out, /Exit codes: 0 done, 1 a tool or server failed, 2 bad input/);
  });
  it('--version prints a version', async () => {
    const r = await cli(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.out, /^\d+\.\d+\.\d+/);
  });
  it('bad input exits 2 with a message on stderr and nothing on stdout', async () => {
    for (const args of [[], ['nope'], ['doctor', 'extra'], ['doctor', '--frobnicate'], ['doctor', '--helm']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.out, '');
      assert.match(r.err, /^aks-worker: /);
    }
  });
  it('doctor: all tools present exits 0 and names each tool', async () => {
    const docker = fakeTool(dir, 'docker', `echo '{"Client":{"Version":"28.2.2"},"Server":{"Version":"20.10.24"}}'`);
    const helm = fakeTool(dir, 'helm', 'echo v4.1.4+g05fa379');
    const kubectl = fakeTool(dir, 'kubectl', `echo '{"clientVersion":{"gitVersion":"v1.33.9"}}'`);
    const az = fakeTool(dir, 'az-test-double', `echo '{"azure-cli": "2.67.0"}'`);
    const dotnet = fakeTool(dir, 'dotnet-fake', 'echo 10.0.401');
    const r = await cli(['doctor', '--docker', docker, '--helm', helm, '--kubectl', kubectl, '--az', az, '--dotnet', dotnet]);
    assert.equal(r.code, 0, r.out + r.err);
    for (const want of [/ok\s+docker\s+28\.2\.2/, /ok\s+docker engine\s+20\.10\.24/, /ok\s+helm\s+4\.1\.4.*Helm 4/, /ok\s+kubectl\s+1\.33\.9/, /ok\s+az\s+2\.67\.0/, /ok\s+dotnet\s+10\.0\.401.*evaluated with MSBuild/, /All required tools found/]) {
      assert.match(r.out, want);
    }
  });
  it('doctor: a missing required tool exits 1 and says how to get it; JSON output', async () => {
    const docker = fakeTool(dir, 'docker2', `echo '{"Client":{"Version":"28.2.2"},"Server":null}'; echo 'Cannot connect to the Docker daemon' >&2; exit 1`);
    const r = await cli(['doctor', '--json', '--docker', docker, '--helm', join(dir, 'missing-helm'), '--kubectl', join(dir, 'missing-kubectl'), '--az', join(dir, 'missing-az'), '--dotnet', fakeTool(dir, 'dotnet6', 'echo 6.0.428')]);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.out) as { ok: boolean; tools: Array<{ name: string; found: boolean; required: boolean; detail?: string }> };
    assert.equal(report.ok, false);
    const by = Object.fromEntries(report.tools.map((t) => [t.name, t]));
    assert.deepEqual(Object.keys(by), ['docker', 'docker engine', 'helm', 'kubectl', 'az', 'dotnet']);
    assert.equal(by.dotnet.required, false);
    assert.match(by.dotnet.detail ?? '', /SDK 6\.0\.428 is older than 8: projects are read without MSBuild/);
    assert.equal(by.docker.found, true);
    assert.equal(by['docker engine'].found, false);
    assert.match(by['docker engine'].detail ?? '', /Cannot connect to the Docker daemon/);
    assert.match(by.helm.detail ?? '', /no executable at .*missing-helm.*Install Helm/);
    assert.equal(by.az.required, false);
  });
  it('doctor: Helm 2 is refused', async () => {
    const helm = fakeTool(dir, 'helm2', 'echo "Client: v2.17.0+ga690bad"');
    const r = await cli(['doctor', '--json', '--helm', helm]);
    const report = JSON.parse(r.out) as { tools: Array<{ name: string; found: boolean; detail?: string }> };
    const h = report.tools.find((t) => t.name === 'helm');
    assert.equal(h?.found, false);
    assert.match(h?.detail ?? '', /too old/);
  });
});
