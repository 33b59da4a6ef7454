import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALLOWED_BUILD_OPTIONS, BuildArgsError, checkBuildArgs } from '../../src/core/buildArgs';
import { buildImage } from '../../src/tools/docker';

const WS = { setting: 'aksWorker.build.extraArgs', where: 'Workspace Settings' };

describe('aksWorker.build.extraArgs allow-list', () => {
  it('refuses --iidfile, naming the setting, the option, where it is set and why', () => {
    assert.throws(
      () => checkBuildArgs(['--iidfile', '/some/outside/file'], WS),
      (e: unknown) =>
        e instanceof BuildArgsError &&
        e.option === '--iidfile' &&
        e.message.startsWith('aksWorker.build.extraArgs (Workspace Settings): the docker build option "--iidfile" is not allowed (it writes a file anywhere on this machine). Allowed: --platform'),
    );
    assert.throws(() => checkBuildArgs(['--iidfile=/x'], { setting: 'aksWorker.build.extraArgs', where: 'User Settings' }), /\(User Settings\): the docker build option "--iidfile"/);
  });

  it('refuses every option that reads or writes host files, sends the image away or replaces ours', () => {
    const refused = [
      ['--output', 'type=local,dest=/tmp/x'], ['-o', '/tmp/x'], ['--output=type=tar,dest=/tmp/x.tar'], ['--secret', 'id=k,src=/home/u/.ssh/id_rsa'], ['--ssh', 'default'],
      ['--build-context', 'x=/etc'], ['--cache-to', 'type=local,dest=/tmp/c'], ['--cache-from', 'type=local,src=/tmp/c'], ['--metadata-file', '/tmp/m.json'],
      ['-f', '/etc/passwd'], ['--file=/etc/passwd'], ['-t', 'evil/image'], ['--push'], ['--load'], ['-q'], ['--allow', 'security.insecure'], ['--security-opt', 'seccomp=unconfined'],
      ['--unknown-flag'], ['/etc'], ['.'],
    ];
    for (const args of refused) assert.throws(() => checkBuildArgs(args, WS), BuildArgsError, JSON.stringify(args));
  });

  it('accepts the allowed options, as two items or with =, and passes each on as one --option=value item', () => {
    assert.deepEqual(checkBuildArgs(['--platform', 'linux/amd64', '--build-arg', 'A=1', '--network=none', '--no-cache', '--pull=true', '-m', '2g', '--label', 'team=x y', '--target', 'build'], WS), [
      '--platform=linux/amd64', '--build-arg=A=1', '--network=none', '--no-cache', '--pull=true', '--memory=2g', '--label=team=x y', '--target=build',
    ]);
    assert.deepEqual(checkBuildArgs([], WS), []);
    for (const [name, spec] of Object.entries(ALLOWED_BUILD_OPTIONS)) assert.ok(name.startsWith('--') && (spec.value || !spec.pattern), name);
  });

  it('a value is a value: one that is an option, or that does not fit, is refused', () => {
    assert.throws(() => checkBuildArgs(['--build-arg', '--iidfile'], WS), /"--iidfile" is not a valid value for --build-arg/);
    assert.throws(() => checkBuildArgs(['--platform', '--output=/tmp/x'], WS), /not a valid value for --platform/);
    assert.throws(() => checkBuildArgs(['--platform'], WS), /--platform needs a value \(os\/arch such as linux\/amd64\) as the next item/);
    assert.throws(() => checkBuildArgs(['--no-cache=/tmp/x'], WS), /--no-cache takes no value, or true\/false/);
    assert.throws(() => checkBuildArgs(['--progress', 'rawjson'], WS), /use auto, plain or tty/);
    assert.throws(() => checkBuildArgs([42], WS), /every item must be a string \(item 1 is number\)/);
  });

  it('docker build is not run at all when the setting holds a refused option, and the outside file is untouched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aksw-buildargs-'));
    try {
      const outside = join(dir, 'outside.txt');
      writeFileSync(outside, 'keep me');
      // A docker that does not exist: the option is refused first, so this is not "docker not found".
      await assert.rejects(
        buildImage({ dockerfile: join(dir, 'Dockerfile'), context: dir, tags: ['x:1'], extraArgs: ['--iidfile', outside], extraArgsSource: WS }, { paths: { docker: '/opt/no-such-tools/docker' } }),
        (e: unknown) => e instanceof BuildArgsError && /--iidfile/.test(e.message),
      );
      assert.equal(readFileSync(outside, 'utf8'), 'keep me');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
