// The `az` test double: acr list/login, aks list/get-credentials/update --attach-acr, exit 2 otherwise.
import * as assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, ok, rigEnv, run, tmp } from './rig';

describe('rig: az test double', function () {
  this.timeout(60_000);
  let az: string;
  before(() => {
    az = rigEnv().RIG_AZ!;
  });

  it('says it is a test double', async () => {
    const v = await ok(az, ['--version']);
    assert.match(v, /NOT the Azure CLI/);
  });

  it('acr list and acr login --expose-token point at the rig registry', async () => {
    const e = rigEnv();
    const list = JSON.parse(await ok(az, ['acr', 'list', '-o', 'json']));
    assert.equal(list[0].loginServer, e.RIG_REGISTRY);
    const tok = JSON.parse(await ok(az, ['acr', 'login', '--name', list[0].name, '--expose-token', '-o', 'json']));
    assert.equal(tok.loginServer, e.RIG_REGISTRY);
    // the token logs docker in as the all-zero GUID user
    const env = childEnv({ DOCKER_CONFIG: tmp('azdocker') });
    const r = await run(e.RIG_DOCKER!, ['login', tok.loginServer, '-u', '00000000-0000-0000-0000-000000000000', '--password-stdin'], { env, input: tok.accessToken });
    assert.equal(r.code, 0, r.stderr);
    // without --expose-token it logs docker in itself
    const cfg = tmp('azdocker2');
    const l = await run(az, ['acr', 'login', '--name', list[0].name], { env: childEnv({ DOCKER_CONFIG: cfg }) });
    assert.equal(l.code, 0, l.stderr);
    assert.match(l.stdout, /Login Succeeded/);
    assert.ok(readFileSync(join(cfg, 'config.json'), 'utf8').includes(e.RIG_REGISTRY!));
  });

  it('aks list and get-credentials write a working kubeconfig context', async () => {
    const e = rigEnv();
    const aks = JSON.parse(await ok(az, ['aks', 'list', '-o', 'json']));
    const home = tmp('azhome');
    const env = childEnv({ HOME: home });
    delete env.KUBECONFIG;
    await ok(az, ['aks', 'get-credentials', '--resource-group', aks[0].resourceGroup, '--name', aks[0].name, '--overwrite-existing'], { env });
    const cfg = join(home, '.kube', 'config');
    assert.equal(statSync(cfg).mode & 0o777, 0o600);
    assert.match(readFileSync(cfg, 'utf8'), new RegExp(`current-context: ${aks[0].name}`));
    const ns = await ok(e.RIG_KUBECTL!, ['--kubeconfig', cfg, 'get', 'ns', 'default', '-o', 'name'], { env });
    assert.equal(ns.trim(), 'namespace/default');
  });

  it('aks update --attach-acr records the call, and fails like Azure in the failure mode', async () => {
    const e = rigEnv();
    const log = tmp('azlog');
    const env = childEnv({ RIG_AZ_LOG: join(log, 'calls.log') });
    await ok(az, ['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--attach-acr', 'rigacr'], { env });
    assert.match(readFileSync(join(log, 'calls.log'), 'utf8'), /attach-acr\tcluster=rig-aks\tgroup=rig-rg\tacr=rigacr/);
    const fail = await run(az, ['aks', 'update', '-g', 'rig-rg', '-n', 'rig-aks', '--attach-acr', 'rigacr'], { env: { ...env, RIG_AZ_ATTACH_FAIL: '1' } });
    assert.equal(fail.code, 1);
    assert.match(fail.stderr, /Could not create a role assignment for ACR\. Are you an Owner on this subscription\?/);
    void e;
  });

  it('exits 2 for anything else', async () => {
    const r = await run(az, ['group', 'list']);
    assert.equal(r.code, 2);
  });
});
