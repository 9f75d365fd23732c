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
  // The RouterOS test server's version and board, as `schoolnet testbed up --routeros-version/--routeros-board`.
  const routeros = {
    ...(process.env.SCHOOLNET_TESTBED_ROUTEROS_VERSION
      ? { version: process.env.SCHOOLNET_TESTBED_ROUTEROS_VERSION }
      : {}),
    ...(process.env.SCHOOLNET_TESTBED_ROUTEROS_BOARD
      ? { board: process.env.SCHOOLNET_TESTBED_ROUTEROS_BOARD }
      : {}),
  };
  const testbed = await startTestbed({ mode: 'dynamic', routeros });
  project.provide('testbed', testbed.info);
  return () => testbed.stop();
}
