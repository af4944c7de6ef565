import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * One full garbage collection, now: call it once the targets are read, before measuring. Reading a
 * large targets file makes a peak of short-lived YAML nodes (70 MB for 10,000 targets, 6 MB of which
 * stay as targets). V8 lets the old generation grow to up to 4 times what was live at its last full
 * collection; one made during the parse let it reach 240 MB before the next, and the run's peak RSS
 * was 300 MB instead of 180. Node exposes `gc` only behind --expose-gc, which a new context picks up.
 */
export function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  v8.setFlagsFromString('--no-expose-gc');
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  gc();
}

/**
 * How far the old generation may grow past what was live after a full collection before the next
 * one: the factor is fixed at 2, where V8 picks between about 1.1 and 4 from how fast it collects
 * and the program allocates (this overrides its memory-saving modes too; its clamp to half the way
 * to the heap limit stays). A target's objects live through its DNS listen window, long enough to
 * leave the young generation, and die soon after: at 10,000 targets the old generation filled with
 * them to 80-105 MB over a live set of about 30 before V8 collected, and a run's peak RSS ranged
 * from 176 to 230 MB with when that happened. V8 reads the flag whenever it sets the next limit.
 */
const HEAP_GROWING_PERCENT = 100;
