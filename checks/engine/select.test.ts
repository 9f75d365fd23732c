import { describe, expect, it } from 'vitest';
import type { SchoolFacts } from '../../devices/facts.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import realCeLength from '../passwords/directory-password-length-cyber-essentials.check.ts';
import realMinLength from '../passwords/directory-password-min-length.check.ts';
import type { Check, CheckResult } from '../types.ts';
import { evaluateChecks } from './evaluate.ts';
import type { CatalogueView } from './evaluate.ts';
import { ConfigError, selectChecks } from './select.ts';
import type { DeviceStatus, EffectiveClause } from './types.ts';

// Small checks written for these tests: the engine's contract is with the Check shape, not with any
// particular check, so these stand in for the catalogue's real ones.
const minLength: Check = {
  meta: {
    id: 'directory-password-min-length',
    title: 'Minimum password length',
    controls: ['PW-LENGTH'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: { minLength: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
      required: ['minLength'],
    },
    defaults: { minLength: 12 },
  },
  evaluate(facts, params): CheckResult[] {
    const d = facts.directory;
    if (d === undefined || !d.ok) return [];
    const actual = d.facts.passwordPolicy.minLength;
    const want = params.minLength as number;
    return [
      {
        status: actual >= want ? 'pass' : 'fail',
        reason: `minimum length ${actual} vs ${want}`,
        evidence: [{ source: 'directory', object: 'domain', expected: `>= ${want}`, actual: String(actual) }],
      },
    ];
  },
};

const review: Check = {
  meta: {
    id: 'policy-review-date',
    title: 'Policy reviewed',
    controls: ['GOV-REVIEW'],
    needs: ['declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate: () => [
    { status: 'pass', reason: 'reviewed', evidence: [{ source: 'declaration', object: 'policy' }] },
  ],
};

const routerThing: Check = {
  meta: {
    id: 'routeros-thing',
    title: 'A router check',
    controls: ['FW-MGMT'],
    needs: ['router'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts) {
    return facts.routers.flatMap((r) =>
      r.ok
        ? [{ status: 'pass' as const, reason: 'fine', evidence: [{ source: r.facts.device, object: 'x' }] }]
        : [],
    );
  },
};

const throws: Check = {
  meta: { ...routerThing.meta, id: 'routeros-broken', controls: ['FW-MGMT'], needs: ['declaration'] },
  evaluate() {
    throw new TypeError("Cannot read properties of undefined (reading 'x')");
  },
};

const clauses: EffectiveClause[] = [
  {
    id: 'demo:passwords',
    section: 'Passwords',
    text: 'At least 8',
    controls: ['PW-LENGTH'],
    params: { 'directory-password-min-length': { minLength: 8 } },
  },
  { id: 'demo:firewall', section: 'Firewall', text: 'Locked down', controls: ['FW-MGMT'] },
];

const fw = clauses[1] as EffectiveClause;
const alwaysReview = (c: Check) => c.meta.id === 'policy-review-date';

describe('selecting checks', () => {
  it('takes the checks whose controls the map names, plus always-on ones, with clause params over defaults', () => {
    const s = selectChecks([minLength, review, routerThing], clauses, alwaysReview, 'policy.yaml');
    expect(s.map((x) => [x.check.meta.id, x.params, x.clauses])).toEqual([
      ['directory-password-min-length', { minLength: 8 }, ['demo:passwords']],
      ['policy-review-date', {}, []],
      ['routeros-thing', {}, ['demo:firewall']],
    ]);
  });

  it('leaves out checks no clause calls for', () => {
    const s = selectChecks(
      [minLength, routerThing],
      [clauses[1] as EffectiveClause],
      () => false,
      'policy.yaml',
    );
    expect(s.map((x) => x.check.meta.id)).toEqual(['routeros-thing']);
  });

  it.each<[string, EffectiveClause[], RegExp]>([
    [
      'a parameter the check does not take',
      [{ ...(clauses[0] as EffectiveClause), params: { 'directory-password-min-length': { minLenght: 8 } } }],
      /policy.yaml: clause demo:passwords: params for directory-password-min-length: must NOT have additional properties "minLenght"/,
    ],
    [
      'a value the schema refuses',
      [{ ...(clauses[0] as EffectiveClause), params: { 'directory-password-min-length': { minLength: 0 } } }],
      /clause demo:passwords: params for directory-password-min-length: minLength must be >= 1/,
    ],
    [
      'params for an unknown check',
      [{ ...(clauses[0] as EffectiveClause), params: { 'directory-password-length': { minLength: 8 } } }],
      /clause demo:passwords: params for unknown check "directory-password-length"/,
    ],
    [
      'params for a check the clause does not map',
      [{ ...(clauses[1] as EffectiveClause), params: { 'directory-password-min-length': { minLength: 8 } } }],
      /clause demo:firewall: params for check "directory-password-min-length", which evidences none/,
    ],
  ])('refuses %s as a configuration error', (_n, cls, pattern) => {
    let err: unknown;
    try {
      selectChecks([minLength, routerThing], cls, () => false, 'policy.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join('\n')).toMatch(pattern);
  });
});

describe('per-clause limits', () => {
  const staff: EffectiveClause = {
    id: 'demo:staff',
    section: 'Staff passwords',
    text: 'At least 14',
    controls: ['PW-LENGTH'],
    params: { 'directory-password-min-length': { minLength: 14 } },
  };
  const plain: EffectiveClause = {
    id: 'demo:plain',
    section: 'Security',
    text: 'Strong',
    controls: ['PW-LENGTH'],
  };
  const dirFacts = (minLength: number): SchoolFacts =>
    ({
      school: 'demo',
      collectedAt: '2025-11-24T00:00:00Z',
      routers: [],
      switches: [],
      directory: { ok: true, facts: { passwordPolicy: { minLength } } },
    }) as unknown as SchoolFacts;
  const catalogue: CatalogueView = { severityOf: () => 'high', referencesOf: () => [] };
  const ctx = { decl: { school: { id: 'demo' } } as SchoolDeclaration, now: '2025-11-24T00:00:00.000Z' };

  it('selects a check once per distinct set of limits, each naming the clauses judged with it', () => {
    const s = selectChecks([minLength], [clauses[0] as EffectiveClause, staff, plain], () => false, 'p');
    expect(s.map((x) => [x.params, x.clauses, x.judgedAgainst])).toEqual([
      [{ minLength: 8 }, ['demo:passwords'], 'demo:passwords'],
      [{ minLength: 14 }, ['demo:staff'], 'demo:staff'],
      [{ minLength: 12 }, ['demo:plain'], 'demo:plain'],
    ]);
  });

  it('judges each clause against its own limit on the same facts, findings naming that clause', () => {
    const s = selectChecks([minLength], [clauses[0] as EffectiveClause, staff], () => false, 'p');
    const out = evaluateChecks(s, dirFacts(10), [], ctx, catalogue);
    expect(out.map((f) => [f.status, f.clauses, f.judgedAgainst, f.params, f.key])).toEqual([
      [
        'pass',
        ['demo:passwords'],
        'demo:passwords',
        { minLength: 8 },
        'directory-password-min-length|directory|domain@demo:passwords',
      ],
      [
        'fail',
        ['demo:staff'],
        'demo:staff',
        { minLength: 14 },
        'directory-password-min-length|directory|domain@demo:staff',
      ],
    ]);
  });

  it('keeps the plain key when every citing clause has the same limits', () => {
    const s = selectChecks([minLength], [plain, { ...plain, id: 'demo:plain2' }], () => false, 'p');
    const out = evaluateChecks(s, dirFacts(12), [], ctx, catalogue);
    expect(out.map((f) => [f.key, f.clauses, f.judgedAgainst])).toEqual([
      ['directory-password-min-length|directory|domain', ['demo:plain', 'demo:plain2'], 'demo:plain'],
    ]);
  });

  it("defaults a clause's limit from the declaration, and a clause value overrides it", () => {
    const declared = { 'directory-password-min-length': { minLength: 14 } };
    const s = selectChecks(
      [minLength],
      [plain, { ...staff, params: { 'directory-password-min-length': { minLength: 16 } } }],
      () => false,
      'p',
      declared,
    );
    expect(s.map((x) => [x.params, x.clauses])).toEqual([
      [{ minLength: 14 }, ['demo:plain']],
      [{ minLength: 16 }, ['demo:staff']],
    ]);
  });

  it("ignores a declared value the check's schema refuses, keeping the check's own default", () => {
    const s = selectChecks([minLength], [plain], () => false, 'p', {
      'directory-password-min-length': { minLength: 0 },
    });
    expect(s[0]?.params).toEqual({ minLength: 12 });
  });
});

describe('evaluating checks', () => {
  const decl = { school: { id: 'demo' } } as SchoolDeclaration;
  const catalogue: CatalogueView = {
    severityOf: (controls) => (controls.includes('PW-LENGTH') ? 'high' : 'medium'),
    referencesOf: (controls) => (controls.includes('PW-LENGTH') ? ['CE-UAC'] : []),
  };
  const facts: SchoolFacts = {
    school: 'demo',
    collectedAt: '2025-11-24T00:00:00Z',
    routers: [],
    switches: [],
  };
  const ctx = { decl, now: '2025-11-24T00:00:00.000Z' };

  it('turns a throwing check into an error finding naming it, and carries on', () => {
    const sel = selectChecks([throws, review], [fw], alwaysReview, 'p');
    const out = evaluateChecks(sel, facts, [], ctx, catalogue);
    expect(out.map((f) => [f.checkId, f.status])).toEqual([
      ['routeros-broken', 'error'],
      ['policy-review-date', 'pass'],
    ]);
    expect(out[0]?.reason).toMatch(/Check routeros-broken failed .*Cannot read properties/);
  });

  it('gives an error per device that could not be read, never a pass, and runs the check on the rest', () => {
    const devices: DeviceStatus[] = [
      {
        name: 'edge',
        kind: 'router',
        ok: false,
        error: { code: 'E-CLOSED', message: 'edge: connection closed', hint: 'check the router' },
      },
      { name: 'core', kind: 'router', ok: true },
    ];
    const f2: SchoolFacts = {
      ...facts,
      routers: [
        { ok: false, device: 'edge', error: { code: 'E-CLOSED', message: 'edge: connection closed' } },
        { ok: true, facts: { device: 'core' } as never },
      ],
    };
    const sel = selectChecks([routerThing], [fw], () => false, 'p');
    const out = evaluateChecks(sel, f2, devices, ctx, catalogue);
    expect(out.map((f) => [f.key, f.status])).toEqual([
      ['routeros-thing|core|x', 'pass'],
      ['routeros-thing|edge|', 'error'],
    ]);
    expect(out[1]?.reason).toMatch(/Could not read edge \(E-CLOSED\)/);
  });

  it('does not run a check whose only source failed, so it cannot guess', () => {
    const devices: DeviceStatus[] = [
      { name: 'directory', kind: 'directory', ok: false, error: { code: 'E-TLS', message: 'untrusted' } },
    ];
    const sel = selectChecks([minLength], clauses, () => false, 'p');
    const out = evaluateChecks(
      sel,
      {
        ...facts,
        directory: { ok: false, device: 'directory', error: { code: 'E-TLS', message: 'untrusted' } },
      },
      devices,
      ctx,
      catalogue,
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      status: 'error',
      severity: 'high',
      references: ['CE-UAC'],
      clauses: ['demo:passwords'],
    });
  });

  it('records a check that found nothing to judge as not applicable', () => {
    const sel = selectChecks([routerThing], [fw], () => false, 'p');
    const out = evaluateChecks(sel, facts, [], ctx, catalogue);
    expect(out).toMatchObject([{ checkId: 'routeros-thing', status: 'not_applicable' }]);
  });

  it('keeps keys unique within a run', () => {
    const twice: Check = {
      ...review,
      evaluate: () => [
        { status: 'fail', reason: 'a', evidence: [{ source: 'declaration', object: 'policy' }] },
        { status: 'fail', reason: 'b', evidence: [{ source: 'declaration', object: 'policy' }] },
      ],
    };
    const out = evaluateChecks(
      selectChecks([twice], [], () => true, 'p'),
      facts,
      [],
      ctx,
      catalogue,
    );
    expect(out.map((f) => f.key)).toEqual([
      'policy-review-date|declaration|policy',
      'policy-review-date|declaration|policy#2',
    ]);
  });
});

describe("a framework's own number judges no clause of the school", () => {
  // The real checks: the school's minimum length, and Cyber Essentials' 12 (meta.framework).
  const ceFacts = (minLength: number): SchoolFacts =>
    ({
      school: 'oak',
      collectedAt: '2026-12-01T00:00:00Z',
      routers: [],
      switches: [],
      directory: {
        ok: true,
        facts: {
          kind: 'openldap',
          passwordPolicy: { source: 'cn=default', minLength },
          fineGrainedPolicies: [],
        },
      },
    }) as unknown as SchoolFacts;
  const oakCtx = {
    decl: {
      school: { id: 'oak', standards: ['cyber-essentials'] },
      directory: { kind: 'openldap' },
    } as unknown as SchoolDeclaration,
    now: '2026-12-01T00:00:00.000Z',
  };
  const cat: CatalogueView = { severityOf: () => 'high', referencesOf: () => [] };
  const ten: EffectiveClause = {
    id: 'oak:passwords',
    section: '3.2',
    text: 'Passwords are at least ten characters.',
    controls: ['PW-LENGTH'],
  };

  it('a clause asking for 10 is met by a directory of 10, and Cyber Essentials still shows its gap on no clause', () => {
    const s = selectChecks([realMinLength, realCeLength], [ten], () => false, 'policy.yaml', {
      'directory-password-min-length': { minLength: 10 },
    });
    const out = evaluateChecks(s, ceFacts(10), [], oakCtx, cat);
    const own = out.filter((f) => f.checkId === 'directory-password-min-length');
    const ce = out.filter((f) => f.checkId === 'directory-password-length-cyber-essentials');
    expect(own.map((f) => [f.status, f.clauses, f.judgedAgainst, f.params])).toEqual([
      ['pass', ['oak:passwords'], 'oak:passwords', { minLength: 10 }],
    ]);
    // The gap is kept, with its control (the Cyber Essentials requirement), but claims no clause.
    expect(ce.map((f) => [f.status, f.clauses, f.judgedAgainst, f.controls])).toEqual([
      ['fail', [], undefined, ['PW-LENGTH']],
    ]);
  });

  it('a clause that binds the framework check opts in and is judged by it', () => {
    const mfa: EffectiveClause = {
      ...ten,
      params: { 'directory-password-length-cyber-essentials': { denyListOrMfa: true } },
    };
    const s = selectChecks([realMinLength, realCeLength], [mfa], () => false, 'policy.yaml');
    const out = evaluateChecks(s, ceFacts(10), [], oakCtx, cat);
    const ce = out.filter((f) => f.checkId === 'directory-password-length-cyber-essentials');
    expect(ce.map((f) => [f.status, f.clauses, f.judgedAgainst])).toEqual([
      ['pass', ['oak:passwords'], 'oak:passwords'],
    ]);
  });
});
