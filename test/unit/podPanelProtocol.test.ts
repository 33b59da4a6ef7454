import * as assert from 'node:assert/strict';
import { normalizeEvent } from '../../src/core/events';
import { restartReasonsOfPod } from '../../src/core/restartReason';
import { isHostMessage, isPageMessage, isReason } from '../../src/extension/podPanel/protocol';

const refusedPod = {
  metadata: { name: 'w-1', namespace: 'ns', uid: 'u1' },
  spec: { containers: [{ name: 'worker', image: 'x.azurecr.io/app:1.0' }] },
  status: { phase: 'Pending', containerStatuses: [{ name: 'worker', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: 'failed to authorize: 401 Unauthorized' } } }] },
};

function state(reasons: unknown) {
  return {
    namespace: 'ns',
    watch: { pods: { state: 'watching' }, events: { state: 'watching' } },
    starts: 1,
    pods: [{ uid: 'u1', name: 'w-1', ready: 0, total: 1, status: 'ErrImagePull', health: 'pending', restarts: 0, reasons }],
    timelines: [],
    groups: [],
    totals: '',
    now: 1,
    trusted: true,
  };
}

describe('Pod panel messages', () => {
  it('accepts a fix for the two fix commands only, naming the pod and container, nothing more', () => {
    assert.ok(isPageMessage({ type: 'fix', command: 'aksWorker.attachRegistry', pod: 'w-1', container: 'worker' }));
    assert.ok(isPageMessage({ type: 'fix', command: 'aksWorker.pushImage', pod: 'w-1', container: 'worker' }));
    assert.ok(!isPageMessage({ type: 'fix', command: 'workbench.action.terminal.new', pod: 'w-1', container: 'worker' }));
    assert.ok(!isPageMessage({ type: 'fix', command: 'aksWorker.attachRegistry', pod: 'w-1' }));
    assert.ok(!isPageMessage({ type: 'fix', command: 'aksWorker.attachRegistry', pod: 'w-1', container: 'worker', args: ['x'] }), 'no arguments from the page');
    assert.ok(isPageMessage({ type: 'retry' }));
  });

  it('the state carries real restart reasons, and a malformed one is refused', () => {
    const reasons = restartReasonsOfPod(refusedPod, [normalizeEvent({ reason: 'Failed', message: 'Failed to pull image "x.azurecr.io/app:1.0": failed to authorize: 401 Unauthorized', involvedObject: { kind: 'Pod', name: 'w-1' } })]);
    assert.equal(reasons.length, 1);
    assert.ok(reasons.every(isReason));
    assert.ok(isHostMessage({ type: 'state', state: state(reasons) }));
    assert.ok(!isHostMessage({ type: 'state', state: { ...state(reasons), trusted: undefined } }), 'trust is always said');
    const bad = [{ ...reasons[0], kind: 'gremlins' }, { ...reasons[0], fix: { ...reasons[0]!.fix, command: 'vscode.open' } }, { ...reasons[0], logLines: [1, 2] }, { ...reasons[0], probe: { probe: 'liveness', failures: '6' } }];
    for (const r of bad) assert.ok(!isHostMessage({ type: 'state', state: state([r]) }), JSON.stringify(r));
  });
});
