import { describe, expect, it } from 'vitest';
import type { DirectoryComputer } from '../../devices/facts.ts';
import { about, directory, failed, ok, run, schoolFacts, statuses } from '../../test/builders/fixtures.ts';
import recoveryKey from './directory-computer-recovery-key.check.ts';

const withComputers = (computers: DirectoryComputer[]) =>
  schoolFacts({ directory: ok(directory({ computers })) });
const pc = (name: string, over: Partial<DirectoryComputer> = {}): DirectoryComputer => ({
  dn: `CN=${name},OU=Computers`,
  name,
  os: 'Windows 11 Education',
  enabled: true,
  hasRecoveryKey: true,
  ...over,
});

describe('directory-computer-recovery-key', () => {
  it('fails a Windows laptop without an escrowed key, summarising the rest', () => {
    const r = run(recoveryKey, withComputers([pc('LAPTOP-01'), pc('LAPTOP-07', { hasRecoveryKey: false })]));
    expect(about(r, 'LAPTOP-07')?.status).toBe('fail');
    expect(statuses(r)).toEqual(['fail', 'pass']);
  });

  it('only judges enabled computers whose OS escrows keys', () => {
    const r = run(
      recoveryKey,
      withComputers([
        pc('OLD-PC', { enabled: false, hasRecoveryKey: false }),
        pc('IPAD-CART', { os: 'iPadOS', hasRecoveryKey: false }),
        pc('LAPTOP-01'),
      ]),
    );
    expect(statuses(r)).toEqual(['pass']);
  });

  it('is an error when recovery information was not collected at all', () => {
    const r = run(
      recoveryKey,
      withComputers([
        pc('LAPTOP-01', { hasRecoveryKey: undefined }),
        pc('LAPTOP-02', { hasRecoveryKey: undefined }),
      ]),
    );
    expect(statuses(r)).toEqual(['error']);
  });

  it('is not applicable with no computers in the directory', () => {
    expect(statuses(run(recoveryKey, withComputers([])))).toEqual(['not_applicable']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(recoveryKey, schoolFacts({ directory: failed('directory') })))).toEqual(['error']);
  });
});
