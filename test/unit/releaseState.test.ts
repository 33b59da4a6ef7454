import * as assert from 'node:assert/strict';
import { LiveRelease, ago, isReleaseNotFound, releaseRow, releaseStep } from '../../src/core/releaseState';
import { workflowSteps, WorkspaceScan } from '../../src/core/workspace';

const NOW = Date.parse('2026-12-01T18:00:00Z');
const live = (state: LiveRelease['state']): LiveRelease => ({ release: 'ux-worker', namespace: 'ux', context: 'rig', state });

describe('release state from Helm', () => {
  it('recognises Helm 3 and 4 saying the release does not exist', () => {
    assert.ok(isReleaseNotFound('Error: release: not found'));
    assert.ok(isReleaseNotFound('Error: release "ux-worker" not found'));
    assert.ok(!isReleaseNotFound('Error: Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp: connection refused'));
  });

  it('says how long ago, in words', () => {
    assert.equal(ago('2026-12-01T17:59:50Z', NOW), 'just now');
    assert.equal(ago('2026-12-01T17:57:00Z', NOW), '3 min ago');
    assert.equal(ago('2026-12-01T15:00:00Z', NOW), '3 h ago');
    assert.equal(ago('2026-11-25T18:00:00Z', NOW), '6 days ago');
    assert.equal(ago(undefined, NOW), undefined);
    assert.equal(ago('not a date', NOW), undefined);
  });

  it('shows an installed release: revision, status, appVersion and when', () => {
    const row = releaseRow(live({ kind: 'installed', revision: 3, status: 'deployed', chart: 'sample-worker-0.1.1', appVersion: '0.0.2', updated: '2026-12-01T17:58:00Z' }), NOW);
    assert.equal(row.label, 'ux-worker');
    assert.equal(row.description, 'rev 3 deployed (0.0.2) · 2 min ago');
    assert.match(row.tooltip, /ux-worker in ux \(context rig\): revision 3, deployed\./);
    assert.match(row.tooltip, /Chart sample-worker-0\.1\.1, appVersion 0\.0\.2\./);
    assert.equal(row.deployed, true);
    assert.equal(row.problem, false);
  });

  it('marks a failed or pending revision as a problem', () => {
    const row = releaseRow(live({ kind: 'installed', revision: 4, status: 'failed', appVersion: '0.0.5' }), NOW);
    assert.equal(row.description, 'rev 4 failed (0.0.5)');
    assert.equal(row.problem, true);
    assert.equal(releaseStep([row])?.state, 'problem');
    assert.match(row.tooltip, /The last upgrade failed/);
  });

  it('a rollout under way (pending-upgrade) is not a failure', () => {
    const row = releaseRow(live({ kind: 'installed', revision: 5, status: 'pending-upgrade', appVersion: '0.0.6' }), NOW);
    assert.equal(row.description, 'rev 5 pending-upgrade (0.0.6)');
    assert.equal(row.problem, false);
    assert.equal(row.deployed, false);
    assert.match(row.tooltip, /still at work/);
    assert.equal(releaseStep([row])?.state, 'ready');
  });

  it('says "not installed in NS" when Helm has no such release, and why when the cluster cannot be asked', () => {
    const none = releaseRow(live({ kind: 'not-installed' }), NOW);
    assert.equal(none.description, 'not installed in ux');
    assert.match(none.tooltip, /Install or Upgrade installs it/);
    assert.equal(releaseStep([none])?.state, 'ready');
    const err = releaseRow(live({ kind: 'error', message: 'Kubernetes cluster unreachable' }), NOW);
    assert.equal(err.description, 'cannot read: Kubernetes cluster unreachable');
    assert.equal(err.problem, true);
    assert.match(err.tooltip, /Refresh asks again/);
  });

  it('sums up several charts: the first problem wins, done only when all are deployed', () => {
    const ok = releaseRow(live({ kind: 'installed', revision: 2, status: 'deployed', appVersion: '1.0.0' }), NOW);
    const missing = releaseRow({ ...live({ kind: 'not-installed' }), release: 'other' }, NOW);
    assert.deepEqual(releaseStep([missing, ok]), { state: 'ready', description: 'ux-worker rev 2 deployed (1.0.0) (+1 more)' }, 'an installed release before one that is not');
    const newer = releaseRow({ ...live({ kind: 'installed', revision: 7, status: 'deployed', updated: '2026-12-01T17:59:00Z' }), release: 'newer' }, NOW);
    const older = releaseRow({ ...live({ kind: 'installed', revision: 1, status: 'deployed', updated: '2026-12-01T12:00:00Z' }), release: 'older' }, NOW);
    assert.equal(releaseStep([older, newer])?.description, 'newer rev 7 deployed · 1 min ago (+1 more)', 'the release deployed last');
    assert.deepEqual(releaseStep([ok, ok]), { state: 'done', description: 'ux-worker rev 2 deployed (1.0.0) (+1 more)' });
    assert.equal(releaseStep([releaseRow(live({ kind: 'pending' }), NOW)])?.state, 'unknown');
    assert.equal(releaseStep([]), undefined);
  });

  it('the Workflow view prefers what Helm says to the release remembered from our last command', () => {
    const scan: WorkspaceScan = { dockerfiles: ['Dockerfile'], projects: ['w.csproj'], solutions: [], charts: [{ dir: 'charts/w', name: 'w', version: '0.1.0', appVersion: '0.0.4', probes: [] }] };
    const lastRelease = { release: 'ux-worker', namespace: 'ux', revision: 2, status: 'deployed', appVersion: '0.0.4', at: '2026-12-01T17:00:00Z' };
    const rolledBack = releaseRow(live({ kind: 'installed', revision: 3, status: 'deployed', appVersion: '0.0.2' }), NOW);
    const step = workflowSteps(scan, { lastRelease, releases: [rolledBack] }).find((s) => s.id === 'release');
    assert.equal(step?.description, 'ux-worker rev 3 deployed (0.0.2)');
    assert.equal(step?.state, 'done');
    assert.deepEqual(step?.children?.map((c) => c.description), ['rev 3 deployed (0.0.2)']);
    // In Restricted Mode Helm is not asked: the remembered release shows, saying so.
    const remembered = workflowSteps(scan, { lastRelease }).find((s) => s.id === 'release');
    assert.equal(remembered?.description, 'ux-worker rev 2 deployed (0.0.4)');
    assert.match(remembered?.tooltip ?? '', /not asked \(Restricted Mode, or no Kubernetes context\)/);
  });
});
