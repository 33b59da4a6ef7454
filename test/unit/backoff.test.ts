import * as assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { backoffDelay, sleep } from '../../src/core/backoff';

describe('back-off', () => {
  const steps = [1000, 2000, 4000, 30_000];
  it('waits longer after each failure in a row, the last step repeating', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, steps)), [1000, 2000, 4000, 30_000, 30_000, 30_000]);
    assert.equal(backoffDelay(0, steps), 0);
    assert.equal(backoffDelay(3, []), 0);
  });

  it('sleep leaves no listener on the signal, whether it times out or is aborted', async () => {
    const c = new AbortController();
    for (let i = 0; i < 20; i++) await sleep(1, c.signal);
    assert.equal(getEventListeners(c.signal, 'abort').length, 0, 'timed-out sleeps removed theirs');
    const long = sleep(60_000, c.signal);
    assert.equal(getEventListeners(c.signal, 'abort').length, 1);
    const started = Date.now();
    c.abort();
    await long;
    assert.ok(Date.now() - started < 1000, 'an abort ends the wait at once');
    assert.equal(getEventListeners(c.signal, 'abort').length, 0);
    await sleep(60_000, c.signal); // already aborted: returns at once
  });
});
