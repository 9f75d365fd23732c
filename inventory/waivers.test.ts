import { describe, expect, it } from 'vitest';
import { parseWaivers, WaiverFileError } from './waivers.ts';

const good = `apiVersion: schoolnet/v1
waivers:
  - id: W-001
    check: routeros-service-restricted
    scope: { device: core-router }
    reason: The filtering provider's appliance needs the API until the spring migration.
    approver: Business manager
    granted: 2025-09-01
    expires: 2026-03-31
  - id: W-002
    control: PW-EXPIRY
    reason: Staff passwords follow NCSC advice (no forced expiry).
    approver: Headteacher
    granted: 2025-09-01
    expires: 2026-08-31
`;

function problems(text: string): string[] {
  try {
    parseWaivers(text, 'waivers.yaml');
  } catch (e) {
    if (e instanceof WaiverFileError) return e.problems;
    throw e;
  }
  throw new Error('expected the file to be rejected');
}

describe('waivers file', () => {
  it('reads a valid file, keeping where each waiver starts', () => {
    const ws = parseWaivers(good, 'waivers.yaml');
    expect(ws).toEqual([
      {
        id: 'W-001',
        check: 'routeros-service-restricted',
        scope: { device: 'core-router' },
        reason: "The filtering provider's appliance needs the API until the spring migration.",
        approver: 'Business manager',
        granted: '2025-09-01',
        expires: '2026-03-31',
        line: 3,
      },
      {
        id: 'W-002',
        control: 'PW-EXPIRY',
        reason: 'Staff passwords follow NCSC advice (no forced expiry).',
        approver: 'Headteacher',
        granted: '2025-09-01',
        expires: '2026-08-31',
        line: 10,
      },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseWaivers('apiVersion: schoolnet/v1\nwaivers: []\n', 'w.yaml')).toEqual([]);
  });

  it.each([
    [
      'missing approver',
      good.replace('    approver: Business manager\n', ''),
      /waivers.yaml:3:\d+: \/waivers\/0: missing "approver"/,
    ],
    [
      'both check and control',
      good.replace('    check: routeros', '    control: FW-MGMT\n    check: routeros'),
      /\/waivers\/0: give exactly one of "check" or "control"/,
    ],
    [
      'neither check nor control',
      good.replace('    control: PW-EXPIRY\n', ''),
      /waivers.yaml:10:\d+: \/waivers\/1: give exactly one of "check" or "control"/,
    ],
    [
      'a bad date',
      good.replace('expires: 2026-03-31', 'expires: 31/03/2026'),
      /waivers.yaml:9:\d+: \/waivers\/0\/expires: must be a date YYYY-MM-DD/,
    ],
    [
      'an impossible date',
      good.replace('expires: 2026-03-31', 'expires: 2026-02-30'),
      /:9:\d+: \/waivers\/0\/expires: not a real date/,
    ],
    [
      'expiry before grant',
      good.replace('expires: 2026-03-31', 'expires: 2025-01-31'),
      /:9:\d+: .*expires \(2025-01-31\) is before granted/,
    ],
    [
      'an unknown key',
      good.replace('    reason: The', '    owner: someone\n    reason: The'),
      /waivers.yaml:6:5: \/waivers\/0\/owner: unknown key "owner"/,
    ],
    [
      'a scope with two keys',
      good.replace('{ device: core-router }', '{ device: core-router, account: bob }'),
      /scope takes exactly one of device, account or object/,
    ],
    [
      'a duplicate id',
      good.replace('id: W-002', 'id: W-001'),
      /:10:\d+: \/waivers\/1\/id: duplicate waiver id "W-001"/,
    ],
    [
      'a YAML syntax error',
      good.replace('scope: { device: core-router }', 'scope: { device: core-router'),
      /waivers.yaml:\d+:\d+: YAML syntax error/,
    ],
    ['an empty file', '', /waivers.yaml:1:1: \/: the file is empty/],
    ['no apiVersion', good.replace('apiVersion: schoolnet/v1\n', ''), /missing "apiVersion"/],
  ])('rejects %s with file:line', (_name, text, pattern) => {
    expect(problems(text).join('\n')).toMatch(pattern);
  });

  it('reports every problem at once', () => {
    const text = good
      .replace('    approver: Business manager\n', '')
      .replace('expires: 2026-08-31', 'expires: soon');
    expect(problems(text)).toHaveLength(2);
  });
});
