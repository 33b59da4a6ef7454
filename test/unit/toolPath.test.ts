import * as assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveToolPath } from '../../src/core/toolPath';
import { TOOLS } from '../../src/tools/catalog';
import { ToolNotFoundError } from '../../src/tools/errors';
import { runTool } from '../../src/tools/process';

/** A file system of executables, as a set of absolute paths. */
const fakeFs = (files: string[]) => {
  const set = new Set(files.map((f) => f.toLowerCase()));
  return async (p: string) => set.has(p.toLowerCase());
};

describe('tool paths are resolved from PATH, never from the current folder', () => {
  it('POSIX: a helm planted in the working folder loses to the one on PATH, even with "." and "" in PATH', async () => {
    const isExecutable = fakeFs(['/work/repo/charts/helm', '/usr/local/bin/helm']);
    for (const pathEnv of ['.:/usr/local/bin', ':/usr/local/bin', '/usr/local/bin:.', 'charts:/usr/local/bin']) {
      const r = await resolveToolPath({ file: 'helm', platform: 'linux', pathEnv, baseDir: '/', cwd: '/work/repo/charts', isExecutable });
      assert.equal(r.path, '/usr/local/bin/helm', pathEnv);
    }
    const only = await resolveToolPath({ file: 'helm', platform: 'linux', pathEnv: '.:/usr/bin', baseDir: '/', cwd: '/work/repo/charts', isExecutable: fakeFs(['/work/repo/charts/helm']) });
    assert.equal(only.path, undefined, 'found only through "." in PATH: not used');
    assert.deepEqual(only.ignored, ['/work/repo/charts/helm']);
  });

  it('Windows: a charts\\helm.cmd planted in the working folder loses to helm.exe on PATH (PATHEXT order)', async () => {
    const isExecutable = fakeFs(['C:\\work\\repo\\charts\\helm.cmd', 'C:\\work\\repo\\charts\\helm.exe', 'C:\\Program Files\\Helm\\helm.exe']);
    const r = await resolveToolPath({ file: 'helm', platform: 'win32', pathEnv: '.;C:\\Windows\\system32;"C:\\Program Files\\Helm"', pathExt: '.COM;.EXE;.BAT;.CMD', baseDir: 'C:\\work\\repo\\charts', isExecutable });
    assert.equal(r.path, 'C:\\Program Files\\Helm\\helm.exe');
    assert.deepEqual(r.ignored, ['C:\\work\\repo\\charts\\helm.exe']);
    // A drive-relative or root-relative PATH entry is relative too.
    const rel = await resolveToolPath({ file: 'helm', platform: 'win32', pathEnv: 'charts;\\tools', pathExt: '.EXE;.CMD', baseDir: 'C:\\work\\repo', isExecutable: fakeFs(['C:\\work\\repo\\charts\\helm.cmd', 'C:\\tools\\helm.exe']) });
    assert.equal(rel.path, undefined);
    // PATHEXT order decides between two in the same folder; a name with an extension is taken as is.
    const both = fakeFs(['C:\\bin\\helm.cmd', 'C:\\bin\\helm.exe']);
    assert.equal((await resolveToolPath({ file: 'helm', platform: 'win32', pathEnv: 'C:\\bin', pathExt: '.EXE;.CMD', baseDir: 'C:\\', isExecutable: both })).path, 'C:\\bin\\helm.exe');
    assert.equal((await resolveToolPath({ file: 'helm.cmd', platform: 'win32', pathEnv: 'C:\\bin', pathExt: '.EXE;.CMD', baseDir: 'C:\\', isExecutable: both })).path, 'C:\\bin\\helm.cmd');
  });

  it('a path the user set is used as given (relative to the process folder, not the tool\'s)', async () => {
    const isExecutable = fakeFs(['/opt/helm/helm', '/home/u/tools/helm']);
    assert.equal((await resolveToolPath({ file: '/opt/helm/helm', platform: 'linux', pathEnv: '', baseDir: '/', isExecutable })).path, '/opt/helm/helm');
    assert.equal((await resolveToolPath({ file: 'tools/helm', platform: 'linux', pathEnv: '', baseDir: '/home/u', isExecutable })).path, '/home/u/tools/helm');
    assert.equal((await resolveToolPath({ file: 'D:\\helm\\helm', platform: 'win32', pathEnv: '', pathExt: '.EXE', baseDir: 'C:\\', isExecutable: fakeFs(['D:\\helm\\helm.exe']) })).path, 'D:\\helm\\helm.exe');
  });

  describe('runTool', () => {
    let dir: string;
    const script = (file: string, marker: string) => {
      writeFileSync(file, `#!/bin/sh\necho ran > "${marker}"\n`);
      chmodSync(file, 0o755);
    };
    before(function () {
      if (process.platform === 'win32') this.skip();
      dir = mkdtempSync(join(tmpdir(), 'aksw-toolpath-'));
      mkdirSync(join(dir, 'charts'));
      mkdirSync(join(dir, 'bin'));
      script(join(dir, 'charts', 'helm'), join(dir, 'planted-ran'));
      script(join(dir, 'bin', 'helm'), join(dir, 'path-ran'));
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('runs the helm on PATH, not the one planted in its working folder through "." in PATH', async () => {
      await runTool(TOOLS.helm, 'helm', ['create', 'x'], { cwd: join(dir, 'charts'), env: { PATH: `.:${join(dir, 'bin')}` } });
      assert.ok(existsSync(join(dir, 'path-ran')), 'the helm on PATH ran');
      assert.ok(!existsSync(join(dir, 'planted-ran')), 'the planted helm did not run');
    });

    it('a tool found only through a relative PATH entry is not found', async () => {
      await assert.rejects(
        runTool(TOOLS.helm, 'helm', ['version'], { cwd: join(dir, 'charts'), env: { PATH: '.' } }),
        (e: unknown) => e instanceof ToolNotFoundError && e.message.includes('is only on PATH through a relative folder, so it is not run'),
      );
      assert.ok(!existsSync(join(dir, 'planted-ran')), 'the planted helm did not run');
    });
  });
});
