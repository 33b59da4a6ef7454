// The rig command itself: start is idempotent, stop ends only what start started and leaves no
// mounts, stop with nothing running is fine. Uses a second rig in its own RIG_DIR.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tmp } from './rig';

const RIG = [join(process.cwd(), 'test/rig/rig'), join(__dirname, '../../../../test/rig/rig')].find((p) => existsSync(p))!;

describe('rig: lifecycle (second rig in its own RIG_DIR)', function () {
  this.timeout(120_000);
  const dir = join(tmp('lifecycle'), 'state');
  const env = { ...process.env, RIG_DIR: dir };

  after(async () => {
    await run(RIG, ['clean'], { env });
  });

  it('stop with nothing running is fine', async () => {
    const r = await run(RIG, ['stop'], { env });
    assert.equal(r.code, 0, r.stderr);
  });

  it('start prints the env, a second start changes nothing', async () => {
    const a = await run(RIG, ['start'], { env });
    assert.equal(a.code, 0, a.stderr);
    for (const k of ['DOCKER_HOST', 'KUBECONFIG', 'RIG_REGISTRY', 'RIG_REGISTRY_OPEN', 'RIG_HELM3', 'RIG_HELM4', 'RIG_KUBECTL']) assert.match(a.stdout, new RegExp(`^export ${k}=`, 'm'));
    assert.equal(a.stdout, readFileSync(join(dir, 'env'), 'utf8'));
    const b = await run(RIG, ['start'], { env });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, a.stdout);
    const st = await run(RIG, ['status'], { env });
    assert.match(st.stdout, /docker: running/);
    assert.match(st.stdout, /apiserver: running/);
    assert.equal((readFileSync(join(dir, 'kubeconfig')).length > 0), true);
  });

  it('stop ends its daemons and unmounts what dockerd mounted', async () => {
    const pids = ['docker', 'registry-auth', 'registry-open', 'apiserver'].map((n) => Number(readFileSync(join(dir, n, 'rig.pid'), 'utf8')));
    const r = await run(RIG, ['stop'], { env });
    assert.equal(r.code, 0, r.stderr);
    for (const pid of pids) {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      assert.equal(alive, false, `pid ${pid} still alive`);
    }
    assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(dir), 'mounts left under the rig dir');
    assert.equal((await run(RIG, ['stop'], { env })).code, 0);
  });
});
