import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clausesFor, loadPolicy, paramsFor, parsePolicy } from './clause-map.ts';
import { PolicyFileError } from '../../inventory/policy.ts';

const GOOD = `school: oakfield
version: '1'
title: Online Safety Policy
clauses:
  - id: oakfield:passwords
    section: 4. Passwords
    text: Passwords have at least 10 characters.
    controls: [PW-LENGTH, PW-LOCKOUT]
    params:
      directory-password-min-length: { minLength: 10 }
  - id: oakfield:backups
    section: 9. Backups
    text: Backups are tested each term.
    controls: [BK-BACKUPS]
  - id: oakfield:filtering
    section: 5. Filtering
    text: The provider blocks the IWF list; DNS is forced to the filter.
    controls: [FLT-IWF, FLT-DNS-FORCED]
    attestation: { who: Head teacher, every: termly }
`;

/** The problems a clause map has, as `line: message`. */
function problems(text: string, file = 'policy.yaml'): string[] {
  try {
    parsePolicy(text, file);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyFileError);
    return (e as PolicyFileError).problems.map((p) => `${p.line}: ${p.message}`);
  }
}

describe('parsePolicy', () => {
  it('loads a clause map with its clauses, thresholds and attestation needs', () => {
    const map = parsePolicy(GOOD, 'policy.yaml');
    expect(map).toMatchObject({ school: 'oakfield', version: '1', title: 'Online Safety Policy' });
    expect(map.clauses.map((c) => [c.id, c.line, c.needsAttestation])).toEqual([
      ['oakfield:passwords', 5, false],
      ['oakfield:backups', 11, true],
      ['oakfield:filtering', 15, false],
    ]);
    // An attestation-only clause takes who and how often from its control unless it says otherwise.
    expect(map.clauses[1]?.attestation).toEqual({ who: 'IT provider', every: 'termly' });
    expect(map.clauses[2]?.attestation).toEqual({ who: 'Head teacher', every: 'termly' });
    expect(paramsFor(map, 'oakfield:passwords', 'directory-password-min-length')).toEqual({ minLength: 10 });
    expect(clausesFor(map, ['PW-LOCKOUT', 'FLT-IWF'])).toEqual(['oakfield:passwords', 'oakfield:filtering']);
  });

  it('reports a YAML syntax error at its line', () => {
    expect(problems('school: oakfield\nclauses: [\n')[0]).toMatch(/^2: YAML syntax error/);
  });

  it('reports schema problems at the line of the offending key or value', () => {
    const text = GOOD.replace(
      '    text: Backups are tested each term.\n',
      '    text: Backups are tested each term.\n    owner: bursar\n',
    ).replace("version: '1'\n", '');
    expect(problems(text)).toEqual(['1: missing "version"', '13: unknown key "owner"']);
  });

  it.each([
    [
      'an unknown control',
      (t: string) => t.replace('[BK-BACKUPS]', '[BK-BACKUPS, BK-TAPES]'),
      '14: unknown control "BK-TAPES" (see checks/catalog/controls.json)',
    ],
    [
      'a clause id of another school',
      (t: string) => t.replace('id: oakfield:backups', 'id: elmwood:backups'),
      '11: clause id "elmwood:backups" must start with "oakfield:"',
    ],
    [
      'a duplicate clause id',
      (t: string) => t.replace('id: oakfield:backups', 'id: oakfield:passwords'),
      '11: duplicate clause id "oakfield:passwords" (also /clauses/0)',
    ],
    [
      'an unknown check',
      (t: string) => t.replace('directory-password-min-length:', 'directory-password-length:'),
      '10: unknown check "directory-password-length"',
    ],
    [
      'a check that does not evidence the clause',
      (t: string) => t.replace('directory-password-min-length: { minLength: 10 }', 'wifi-pmf-required: {}'),
      '10: check "wifi-pmf-required" evidences WIFI-PMF, none of which this clause lists',
    ],
    [
      'a threshold its check refuses',
      (t: string) => t.replace('{ minLength: 10 }', '{ minLength: 0, colour: blue }'),
      /^10: directory-password-min-length: (minLength must be >= 1|must NOT have additional properties "colour")$/,
    ],
  ])('refuses %s with its line', (_label, change, expected) => {
    const found = problems(change(GOOD));
    if (typeof expected === 'string') expect(found).toContain(expected);
    else expect(found.some((p) => expected.test(p))).toBe(true);
  });

  it('accepts two clauses binding the same threshold differently, each with its own line', () => {
    const text = `${GOOD}  - id: oakfield:staff-passwords
    section: 4.2 Staff passwords
    text: Staff passwords have at least 14 characters.
    controls: [PW-LENGTH]
    params:
      directory-password-min-length: { minLength: 14 }
`;
    const map = parsePolicy(text, 'policy.yaml');
    expect(paramsFor(map, 'oakfield:passwords', 'directory-password-min-length')).toEqual({ minLength: 10 });
    expect(paramsFor(map, 'oakfield:staff-passwords', 'directory-password-min-length')).toEqual({
      minLength: 14,
    });
    expect(map.clauses[3]?.paramLines).toEqual({ 'directory-password-min-length.minLength': 25 });
  });

  it('accepts a clause mixing automatic controls with an attestation for the part no system shows', () => {
    const text = GOOD.replace(
      '    params:\n',
      '    attestation: { who: Bursar, every: yearly, what: Staff are told never to share a password }\n    params:\n',
    );
    const map = parsePolicy(text, 'policy.yaml');
    expect(map.clauses[0]).toMatchObject({
      needsAttestation: false,
      mixed: true,
      attestation: { who: 'Bursar', every: 'yearly', what: 'Staff are told never to share a password' },
    });
    // A clause that is only automatic is not mixed.
    expect(map.clauses.map((c) => c.mixed)).toEqual([true, false, true]);
  });

  it('refuses an empty file', () => {
    expect(problems('')).toEqual(['1: the file is empty']);
  });
});

describe('loadPolicy', () => {
  const root = mkdtempSync(join(tmpdir(), 'schoolnet-policy-'));

  it('reads a file and checks the school against its folder', async () => {
    const dir = join(root, 'schools', 'oakfield');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.yaml'), GOOD);
    await expect(loadPolicy(join(dir, 'policy.yaml'))).resolves.toMatchObject({ school: 'oakfield' });
    const other = join(root, 'schools', 'elmwood');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'policy.yaml'), GOOD);
    await expect(loadPolicy(join(other, 'policy.yaml'))).rejects.toThrow(
      /policy\.yaml:1:9: \/school: school "oakfield" differs from its folder "elmwood"/,
    );
  });

  it('names the file it cannot read', async () => {
    const file = join(root, 'missing', 'policy.yaml');
    await expect(loadPolicy(file)).rejects.toThrow(`${file}: cannot read the clause map (ENOENT)`);
  });
});
