/**
 * Vitest global setup: one dynamic testbed (fresh temp dir, free ports, Samba on a random 127.0.0.X) for
 * the whole run, so a test never depends on a service left over from another run or another developer.
 * Tests read it with `inject('testbed')`; it is stopped and its directory removed on teardown.
 */
import type { TestProject } from 'vitest/node';
import { startTestbed } from '../../scripts/testbed/index.ts';
import type { Testbed } from '../../scripts/testbed/index.ts';
import type { TestbedInfo } from '../../scripts/testbed/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testbed: TestbedInfo;
  }
}

/**
 * Both integration projects (serial and parallel) name this setup; vitest runs it once per project in
 * this one process, so the testbed is started by the first and shared, and stopped when the last
 * project tears down.
 */
let shared: Promise<Testbed> | undefined;
let users = 0;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  users++;
  shared ??= start();
  const testbed = await shared;
  project.provide('testbed', testbed.info);
  return async () => {
    if (--users > 0) return;
    shared = undefined;
    await testbed.stop();
  };
}

function start(): Promise<Testbed> {
  // The RouterOS test server's version and board, as `schoolnet testbed up --routeros-version/--routeros-board`.
  const routeros = {
    ...(process.env.SCHOOLNET_TESTBED_ROUTEROS_VERSION
      ? { version: process.env.SCHOOLNET_TESTBED_ROUTEROS_VERSION }
      : {}),
    ...(process.env.SCHOOLNET_TESTBED_ROUTEROS_BOARD
      ? { board: process.env.SCHOOLNET_TESTBED_ROUTEROS_BOARD }
      : {}),
  };
  return startTestbed({ mode: 'dynamic', routeros });
}
