/**
 * Vitest global setup: one dynamic testbed (fresh temp dir, free ports, Samba on a random 127.0.0.X) for
 * the whole run, so a test never depends on a service left over from another run or another developer.
 * Tests read it with `inject('testbed')`; it is stopped and its directory removed on teardown.
 */
import type { TestProject } from 'vitest/node';
import { startTestbed } from '../../scripts/testbed/index.ts';
import type { TestbedInfo } from '../../scripts/testbed/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const testbed = await startTestbed({ mode: 'dynamic' });
  project.provide('testbed', testbed.info);
  return () => testbed.stop();
}
