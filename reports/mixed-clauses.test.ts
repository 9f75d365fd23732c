/**
 * Clauses that mix automatic controls with an attestation for the part no system shows, and
 * requirement status from all of a requirement's controls (#15 items 4 and 5).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import type { EffectivePolicy } from '../checks/engine/types.ts';
import schema from '../docs/report.schema.json' with { type: 'json' };
import { finding, makeRun } from '../test/builders/test-runs.ts';
import { renderHtml } from './html.renderer.ts';
import { renderJson } from './json.renderer.ts';
import { buildReportModel } from './model.ts';

const catalog = loadCatalog();
const school = { id: 'oak', name: 'Oak Primary', standards: ['cyber-essentials' as const] };
const clauseMap: EffectivePolicy['clauseMap'] = {
  file: 'policy.yaml',
  version: '1',
  clauses: [
    {
      id: 'oak:passwords',
      section: '4. Passwords',
      text: 'Passwords are long, and staff never share them.',
      controls: ['PW-LENGTH'],
      attestation: {
        who: 'Business manager',
        every: 'termly',
        what: 'Staff are told never to share a password',
      },
    },
  ],
};
const pass = finding({
  checkId: 'directory-password-min-length',
  status: 'pass',
  controls: ['PW-LENGTH'],
  clauses: ['oak:passwords'],
});
const fail = { ...pass, status: 'fail' as const };

describe('a clause mixing automatic checks and an attestation', () => {
  it('shows both parts: the automatic part met, the rest awaiting the named person', () => {
    const m = buildReportModel(
      makeRun({ school, clauseMap, findings: [pass], started: '2026-11-20T01:30:00.000Z' }),
      {
        catalog,
      },
    );
    const c = m.clauses[0];
    expect(c?.status).toBe('needs_attestation');
    expect(c?.parts).toEqual({
      automatic: { status: 'met', controls: ['PW-LENGTH'] },
      attested: {
        who: 'Business manager',
        every: 'termly',
        what: 'Staff are told never to share a password',
        controls: [],
      },
    });
    expect(c?.providerWill.join(' ')).toMatch(
      /Ask the business manager to confirm that staff are told never to share a password termly; we check the rest every night/,
    );
    const html = renderHtml(m);
    expect(html).toContain('Checked automatically every night: met.');
    expect(html).toContain(
      'Confirmed by the business manager, termly: Staff are told never to share a password.',
    );
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(JSON.parse(renderJson(m))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is not met when its automatic part fails, whatever the attestation', () => {
    const m = buildReportModel(
      makeRun({ school, clauseMap, findings: [fail], started: '2026-11-20T01:30:00.000Z' }),
      {
        catalog,
      },
    );
    expect(m.clauses[0]?.status).toBe('not_met');
    expect(m.clauses[0]?.parts?.automatic.status).toBe('not_met');
  });
});

describe('requirement status from all of its controls', () => {
  it('is partly checked, naming what was not, when only some of its controls ran', () => {
    const m = buildReportModel(
      makeRun({ school, clauseMap, findings: [pass], started: '2026-11-20T01:30:00.000Z' }),
      {
        catalog,
      },
    );
    const uac = m.standards[0]?.requirements.find((r) => r.id === 'CE-UAC');
    expect(uac?.status).toBe('partly_checked');
    expect(uac?.unchecked).toContain(catalog.controls.get('PW-LOCKOUT')?.title);
    expect(uac?.unchecked).toContain(catalog.controls.get('PW-DENYLIST')?.title);
    expect(uac?.unchecked).not.toContain(catalog.controls.get('PW-LENGTH')?.title);
  });
});
