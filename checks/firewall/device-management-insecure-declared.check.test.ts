import { describe, expect, it } from 'vitest';
import { ctx, declaration, run, schoolFacts, statuses } from '../../test/builders/fixtures.ts';
import check from './device-management-insecure-declared.check.ts';

describe('device-management-insecure-declared', () => {
  it('passes when nothing is declared insecure', () => {
    expect(statuses(run(check, schoolFacts()))).toEqual(['pass']);
  });

  it('fails every run for each router declared insecure: true, naming it and the port', () => {
    const decl = declaration();
    decl.devices = decl.devices.map((d) =>
      d.driver === 'routeros' ? { ...d, insecure: true, port: 18728 } : d,
    );
    const results = run(check, schoolFacts(), {}, ctx(decl));
    expect(statuses(results)).toEqual(['fail']);
    expect(results[0]?.reason).toMatch(/is declared insecure: .*in clear \(plain API, port 18728\)/);
  });

  it('fails for a mail relay declared insecure', () => {
    const decl = declaration({
      delivery: {
        email: {
          to: ['head'],
          when: 'always',
          smtp: { host: 'relay.local', port: 25, secure: false, from: 'audit@school.test', insecure: true },
          attachPdf: true,
          includeTechnicalDetail: false,
        },
      },
    });
    const results = run(check, schoolFacts(), {}, ctx(decl));
    expect(statuses(results)).toEqual(['fail']);
    expect(results[0]?.reason).toMatch(/relay\.local:25, declared an insecure relay/);
  });
});
