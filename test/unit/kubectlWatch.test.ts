import * as assert from 'node:assert/strict';
import { WatchStatus, watchKind } from '../../src/tools/kubectl';

describe('kubectl watch without kubectl', () => {
  it('ends as failed, naming the setting to fix, and never reports watching', async () => {
    const states: WatchStatus[] = [];
    const resyncs: boolean[] = [];
    const w = watchKind('pods', {
      namespace: 'default',
      paths: { kubectl: '/opt/no-such-tools/kubectl' },
      onEvent: () => assert.fail('no events without kubectl'),
      onResync: (begin) => resyncs.push(begin),
      onStatus: (s) => states.push(s),
    });
    await w.done;
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'failed']);
    assert.equal(states[1].missingToolSetting, 'aksWorker.paths.kubectl');
    assert.match(states[1].message ?? '', /kubectl was not found/);
    assert.deepEqual(resyncs, [true, false], 'the list it began is ended (empty)');
  });
});
