import * as assert from 'node:assert/strict';
import { isPageMessage, isShutdownInfo } from '../../src/extension/probes/protocol';

describe('Probe form messages: the shutdown section', () => {
  it('the page may ask to open a link by id, set the grace period to whole seconds, and check again; nothing else', () => {
    assert.ok(isPageMessage({ type: 'openSource', id: 0 }));
    assert.ok(isPageMessage({ type: 'setGrace', seconds: 35 }));
    assert.ok(isPageMessage({ type: 'refreshShutdown' }));
    assert.ok(!isPageMessage({ type: 'openSource', id: -1 }));
    assert.ok(!isPageMessage({ type: 'openSource', id: 1.5 }));
    assert.ok(!isPageMessage({ type: 'openSource', id: 0, file: '/etc/passwd' }), 'a path is never taken from the page');
    assert.ok(!isPageMessage({ type: 'setGrace', seconds: '35' }));
    assert.ok(!isPageMessage({ type: 'setGrace', seconds: 35.5 }));
    assert.ok(!isPageMessage({ type: 'setGrace', seconds: 86_401 }));
    assert.ok(!isPageMessage({ type: 'refreshShutdown', now: true }));
  });

  it('the page checks the host\'s shutdown message', () => {
    const ok = {
      verdict: 'warning',
      message: 'A stop gives the worker 30 s …',
      rows: [{ name: 'terminationGracePeriodSeconds', value: '30 s', from: 'values.yaml:26 terminationGracePeriodSeconds', link: { id: 0, label: 'charts/w/values.yaml:26' } }],
      overridden: [{ name: 'ShutdownTimeout', value: '20 s', from: 'DOTNET_SHUTDOWNTIMEOUTSECONDS=20', ignored: 'not a whole number' }],
      notes: [],
      offer: { seconds: 35 },
      hint: { text: 'add it', link: { id: 1, label: 'x.yaml:20' } },
    };
    assert.ok(isShutdownInfo(ok));
    assert.ok(isShutdownInfo({ verdict: 'unknown', message: 'm', rows: [], overridden: [], notes: [], unavailable: 'Restricted Mode' }));
    assert.ok(!isShutdownInfo({ ...ok, verdict: 'fine' }));
    assert.ok(!isShutdownInfo({ ...ok, rows: [{ name: 'x', value: 3, from: '' }] }));
    assert.ok(!isShutdownInfo({ ...ok, rows: [{ ...ok.rows[0], link: { id: 0, label: 'x', file: '/etc/passwd' } }] }));
    assert.ok(!isShutdownInfo({ ...ok, offer: { seconds: 'lots' } }));
    assert.ok(!isShutdownInfo({ ...ok, notes: 'n' }));
  });
});
