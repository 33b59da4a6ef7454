/**
 * Waiting between attempts: how long after the n-th failure in a row, and a wait that an AbortSignal
 * cuts short without leaving a listener on it.
 */

/** The wait after `failures` failures in a row (1 = the first): the steps in order, the last one repeating. */
export function backoffDelay(failures: number, steps: readonly number[]): number {
  if (failures <= 0 || steps.length === 0) return 0;
  return steps[Math.min(failures, steps.length) - 1];
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts. Its abort listener is removed either way, so a
 * loop that waits on one long-lived signal does not pile listeners on it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
