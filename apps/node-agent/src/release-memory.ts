/**
 * One full garbage collection, for after a one-off burst of allocation: a first sync at 10,000
 * Services builds and drops ~100 MB of text and parse garbage within a second, and an idle agent
 * may keep that heap (and its RSS) for minutes, since V8 starts its memory reducer only after a
 * full collection of its own. It pauses the event loop for one collection of the live heap
 * (~0.1 s at that size).
 *
 * Node exposes gc() only with --expose-gc; the flag is set here, at the first call, and the
 * function taken from a new context (where V8 installs it once the flag is on). It is called
 * without options: on Node 20's V8, gc({ type: 'major', … }) returned without collecting this
 * garbage (measured), the plain call collects it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function releaseMemory(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
