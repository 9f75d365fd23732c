/**
 * The testbed that vitest's global setup (test/support/global-setup.ts) started for this run, for
 * tests that talk to its services. One place for the lookup and its error, so no test depends on a
 * service left over from another run.
 */
import { inject } from 'vitest';
import type { TestbedInfo } from '../../scripts/testbed/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export function testbedInfo(): TestbedInfo {
  const tb = inject('testbed');
  if (!tb)
    throw new Error(
      'no testbed was provided: run these tests through vitest with test/support/global-setup.ts',
    );
  return tb;
}
