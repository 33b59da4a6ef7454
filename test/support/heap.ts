import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use (JS heap plus memory held outside it, such as Buffers), after a full collection when `collect`. */
export function heapNow(collect = true): number {
  if (collect) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Samples the heap every `everyMs` while it runs: the highest value seen, uncollected. */
export function heapPeak(everyMs = 25): { stop(): number } {
  let peak = heapNow(false);
  const t = setInterval(() => {
    peak = Math.max(peak, heapNow(false));
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, heapNow(false));
    },
  };
}

export const MB = 1024 * 1024;
