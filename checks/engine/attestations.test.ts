/**
 * Attestations with who, how often and when last given: croft-prep's real clause map and its
 * attestations file, judged on different dates (no device is contacted: no check is selected).
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAttestations } from '../../inventory/attestations.ts';
import { loadSchool } from '../../inventory/load.ts';
import { loadEngineInputs } from './inputs.ts';
import { runAudit } from './run.ts';

const CROFT = resolve(import.meta.dirname, '../../inventory/schools/croft-prep/school.yaml');

async function attestationsOn(day: string) {
  const school = await loadSchool(CROFT);
  const inputs = await loadEngineInputs(school, { checks: [] });
  const run = await runAudit(school, inputs, { now: new Date(`${day}T02:00:00Z`) });
  return new Map(run.attestations.map((a) => [a.clause, a]));
}

describe('attestation cadences', () => {
  it('a termly attestation given in the autumn term is due by the end of the spring term', async () => {
    const feb = await attestationsOn('2027-02-01');
    expect(feb.get('croft-prep:filtering-unblock')).toMatchObject({
      who: 'Online safety coordinator',
      every: 'termly',
      last: '2026-10-14',
      lastBy: 'Online safety coordinator',
      due: '2027-04-04',
      overdue: false,
    });
    // Weekly, last given on 30 November: overdue by February.
    expect(feb.get('croft-prep:filtering-monitoring')).toMatchObject({ due: '2026-12-07', overdue: true });
    const april = await attestationsOn('2027-04-10');
    expect(april.get('croft-prep:filtering-unblock')?.overdue).toBe(true);
  });

  it('an attestation never recorded is overdue, with who and how often', async () => {
    const feb = await attestationsOn('2027-02-01');
    const never = [...feb.values()].filter((a) => a.last === undefined);
    expect(never.length).toBeGreaterThan(0);
    for (const a of never) {
      expect(a.overdue).toBe(true);
      expect(a.who).not.toBe('');
      expect(['daily', 'weekly', 'monthly', 'termly', 'yearly']).toContain(a.every);
    }
  });

  it('refuses a record naming no clause, an impossible or future date, at its line', () => {
    const text = [
      'apiVersion: schoolnet/v1',
      'attestations:',
      '  - clause: croft-prep:nowhere',
      '    by: Bursar',
      "    date: '2026-02-30'",
      '  - clause: croft-prep:filtering-unblock',
      '    by: Bursar',
      "    date: '2027-01-01'",
      '    signedBy: someone',
    ].join('\n');
    const { problems } = parseAttestations(text, 'attestations.yaml', {
      clauses: new Set(['croft-prep:filtering-unblock']),
      today: '2026-12-06',
    });
    expect(problems.map((p) => `${p.line}:${p.column} ${p.pointer} ${p.message}`)).toEqual([
      '9:5 /attestations/1/signedBy unknown key "signedBy"',
    ]);
    const { problems: second } = parseAttestations(
      text.replace(/\n {4}signedBy: someone$/, ''),
      'attestations.yaml',
      {
        clauses: new Set(['croft-prep:filtering-unblock']),
        today: '2026-12-06',
      },
    );
    expect(second.map((p) => `${p.line} ${p.pointer} ${p.message}`)).toEqual([
      '3 /attestations/0/clause no clause "croft-prep:nowhere" in the clause map',
      '5 /attestations/0/date not a real date: 2026-02-30',
      '8 /attestations/1/date 2027-01-01 is in the future: record an attestation once it is given',
    ]);
  });
});
