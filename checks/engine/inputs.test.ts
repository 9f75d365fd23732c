import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { TESTBED_DIR } from '../../inventory/confine.ts';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../devices/errors.ts';
import { loadSchool } from '../../inventory/load.ts';
import { defaultCollectors } from './inputs.ts';

const SCHOOLS = resolve(import.meta.dirname, '../../inventory/schools');

describe('the register collector', () => {
  it('turns a register with a bad row into E-CONFIG naming the file and row', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'register-engine-')), 'demo');
    await cp(join(SCHOOLS, 'demo'), dir, { recursive: true });
    // The demo's testbed references are relative to its folder: absolute, so the copy keeps them.
    const decl = join(dir, 'school.yaml');
    await writeFile(
      decl,
      (await readFile(decl, 'utf8')).replaceAll('../../../.schoolnet/testbed/', `${TESTBED_DIR}/`),
    );
    await writeFile(join(dir, 'licences.csv'), 'Title,Kind,Seats\nOffice,per-device,twenty\n');
    const loaded = await loadSchool(join(dir, 'school.yaml'));
    const viaEngine = await defaultCollectors.register!(loaded).catch((x: unknown) => x);
    expect(viaEngine).toBeInstanceOf(DeviceError);
    expect(viaEngine).toMatchObject({
      code: 'E-CONFIG',
      message: expect.stringContaining('licences.csv:row 2'),
    });
  });
});
