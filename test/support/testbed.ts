/**
 * The testbed that vitest's global setup (test/support/global-setup.ts) started for this run, for
 * tests that talk to its services. One place for the lookup and its error, so no test depends on a
 * service left over from another run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TESTBED_DIR } from '../../inventory/confine.ts';
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

/** The demo school's declaration text with its testbed references made absolute: the references are relative
 * to the demo's own folder, so a copy of the declaration elsewhere keeps them (files must stay inside the
 * school's folder or the testbed's secrets directory). */
export async function demoDeclarationText(): Promise<string> {
  const text = await readFile(join(import.meta.dirname, '../../inventory/schools/demo/school.yaml'), 'utf8');
  return text.replaceAll('../../../.schoolnet/testbed/', `${TESTBED_DIR}/`);
}
