import * as assert from 'node:assert/strict';
import { DEFAULT_RELEASE_SETTINGS, ReleaseSettings, releaseFlags, upgradeRequestFor } from '../../src/core/release';
import { HelmVersionInfo, upgradeInstallArgs } from '../../src/tools/helm';
import { shipUpgradeRequest } from '../../src/tools/ship';

const helm3: HelmVersionInfo = { version: '3.18.4', major: 3, minor: 18 };
const helm4: HelmVersionInfo = { version: '4.0.1', major: 4, minor: 0 };
const target = { release: 'sample-worker', chartDir: '/w/charts/sample-worker', namespace: 'ux' };

/** What Install or Upgrade sends Helm (release.ts) and what Ship's release step sends (tools/ship.ts), for the same settings. */
const install = (s: Partial<ReleaseSettings>, v: HelmVersionInfo, createNamespace = true) => upgradeInstallArgs(upgradeRequestFor(target, s, createNamespace), v);
const ship = (s: Partial<ReleaseSettings>, v: HelmVersionInfo, createNamespace = true) =>
  upgradeInstallArgs(shipUpgradeRequest({ release: target.release, chartDir: target.chartDir, namespace: target.namespace, settings: s, createNamespace }), v);

describe('Install or Upgrade and Ship run Helm the same way', () => {
  it('Helm 3: --wait, --timeout and --atomic from the default settings, for both', () => {
    const args = ['upgrade', '--install', '--namespace', 'ux', '--output', 'json', '--create-namespace', '--wait', '--timeout', '5m', '--atomic', '--', 'sample-worker', '/w/charts/sample-worker'];
    assert.deepEqual(install(DEFAULT_RELEASE_SETTINGS, helm3), args);
    assert.deepEqual(ship(DEFAULT_RELEASE_SETTINGS, helm3), args);
  });

  it('Helm 4: --wait=watcher and --rollback-on-failure, for both', () => {
    const args = ['upgrade', '--install', '--namespace', 'ux', '--output', 'json', '--create-namespace', '--wait=watcher', '--timeout', '5m', '--rollback-on-failure', '--', 'sample-worker', '/w/charts/sample-worker'];
    assert.deepEqual(install(DEFAULT_RELEASE_SETTINGS, helm4), args);
    assert.deepEqual(ship(DEFAULT_RELEASE_SETTINGS, helm4), args);
  });

  it('every combination of the settings gives both commands identical flags on Helm 3 and 4', () => {
    for (const wait of [true, false])
      for (const waitStrategy of ['watcher', 'legacy'] as const)
        for (const rollbackOnFailure of [true, false])
          for (const timeout of ['90s', '5m'])
            for (const createNamespace of [true, false])
              for (const v of [helm3, helm4]) {
                const s = { wait, waitStrategy, rollbackOnFailure, timeout };
                assert.deepEqual(ship(s, v, createNamespace), install(s, v, createNamespace), JSON.stringify({ s, v: v.version, createNamespace }));
              }
  });

  it('settings left out (the CLI gives only --no-wait) take the settings\' defaults', () => {
    assert.deepEqual(releaseFlags({}), { wait: true, waitStrategy: 'watcher', timeout: '5m', atomic: true, createNamespace: false });
    assert.deepEqual(releaseFlags({ wait: false, timeout: '' }), { wait: false, waitStrategy: undefined, timeout: '5m', atomic: true, createNamespace: false });
    assert.deepEqual(install({ waitStrategy: 'legacy', wait: true }, helm4, false).slice(6), ['--wait=legacy', '--timeout', '5m', '--rollback-on-failure', '--', 'sample-worker', '/w/charts/sample-worker']);
    assert.deepEqual(install({ wait: false, rollbackOnFailure: false }, helm3, false).slice(6), ['--timeout', '5m', '--', 'sample-worker', '/w/charts/sample-worker']);
  });
});
