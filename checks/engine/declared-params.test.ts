import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../inventory/yaml-positions.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import {
  atLeastAsStrict,
  contradictionMessage,
  declaredLayer,
  declaredParams,
  findContradictions,
} from './declared-params.ts';

const CROFT = 'inventory/schools/croft-prep/school.yaml';
const croft = (): { text: string; decl: SchoolDeclaration } => {
  const text = readFileSync(CROFT, 'utf8');
  return { text, decl: parseYaml(text).data as SchoolDeclaration };
};

describe('declared parameters', () => {
  it("takes croft-prep's password figures from its declaration (14 characters, 8 failures, 30 minutes)", () => {
    const layer = declaredLayer(declaredParams(croft().decl));
    expect(layer['directory-password-min-length']).toEqual({ minLength: 14 });
    expect(layer['directory-password-lockout']).toEqual({ maxThreshold: 8 });
    expect(layer['directory-password-lockout-duration']).toEqual({ minMinutes: 30 });
    expect(layer['directory-password-history']).toEqual({ minHistory: 10 });
    expect(layer['directory-account-leavers-disabled']).toEqual({
      graceDays: 14,
      action: 'disable-and-move',
    });
    expect(layer['directory-account-stale']).toEqual({ staleAfterDays: 120 });
    // No guest or BYOD network declared: nothing to say about internet-only roles.
    expect(layer['routeros-zone-internet-only']).toBeUndefined();
  });

  it.each<[unknown, unknown, Parameters<typeof atLeastAsStrict>[2], boolean]>([
    [16, 14, 'higher', true],
    [12, 14, 'higher', false],
    [5, 8, 'lower', true],
    [10, 8, 'lower', false],
    [90, 0, 'lower-nonzero', true],
    [0, 90, 'lower-nonzero', false],
    [365, 90, 'lower-nonzero', false],
    [true, false, 'true', true],
    [false, true, 'true', false],
    [['guests', 'byod'], ['guests'], 'superset', true],
    [['guests'], ['guests', 'byod'], 'superset', false],
    // Leavers: calendar days are stricter than working days; moving asks more than disabling.
    ['days', 'working-days', { rank: ['working-days', 'days'] }, true],
    ['working-days', 'days', { rank: ['working-days', 'days'] }, false],
    ['disable', 'disable-and-move', { rank: ['disable', 'disable-and-move'] }, false],
    ['disable-and-move', 'disable', { rank: ['disable', 'disable-and-move'] }, true],
    ['weeks', 'days', { rank: ['working-days', 'days'] }, false],
  ])('%j against declared %j (%s) is at least as strict: %s', (clause, declared, s, ok) => {
    expect(atLeastAsStrict(clause, declared, s)).toBe(ok);
  });

  it('reports a weaker clause value naming the clause map line and the declaration line', () => {
    const { text, decl } = croft();
    const parsed = parseYaml(text);
    const found = findContradictions(
      [
        {
          id: 'croft-prep:passwords',
          params: { 'directory-password-min-length': { minLength: 12 } },
          paramLines: { 'directory-password-min-length.minLength': 17 },
          line: 12,
        },
        // Stricter than declared: allowed, deliberately.
        { id: 'croft-prep:admins', params: { 'directory-password-min-length': { minLength: 20 } }, line: 30 },
      ],
      declaredParams(decl),
      { clauseMap: 'policy.yaml', declaration: CROFT },
      (p) => parsed.locate(p).line,
    );
    expect(found).toHaveLength(1);
    const declLine = text.split('\n').findIndex((l) => /^\s+minLength: 14$/.test(l)) + 1;
    expect(contradictionMessage(found[0]!)).toBe(
      `policy.yaml:17: clause croft-prep:passwords sets directory-password-min-length.minLength to 12, weaker than 14 declared at ${CROFT}:${declLine} (/directory/passwordPolicy/minLength); apply and audit would use different numbers: remove the clause's value or make it at least as strict`,
    );
  });
});
