import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseSchoolText } from './load.ts';
import { transportProblems } from './transport.ts';

const demo = readFileSync(new URL('./schools/demo/school.yaml', import.meta.url), 'utf8');

describe('no credential in clear (validation)', () => {
  it('a RouterOS device without TLS must declare insecure: true', () => {
    const { problems } = analyseSchoolText(demo.replace('    insecure: true\n', ''), 'school.yaml');
    const p = problems.find((x) => x.message.includes('plain RouterOS API'));
    expect(p).toMatchObject({ pointer: '/devices/0' });
    expect(p?.line).toBeGreaterThan(0);
  });

  it('an insecure mail relay is never given a password', () => {
    const smtp = { host: 'relay.local', port: 25, secure: false, from: 'a@school.test', insecure: true };
    expect(transportProblems({ delivery: { email: { smtp } } })).toEqual([]);
    expect(transportProblems({ delivery: { email: { smtp: { ...smtp, password: 'env:X' } } } })).toEqual([
      {
        pointer: '/delivery/email/smtp/password',
        message: 'no password may be sent to an insecure (no TLS) SMTP relay',
      },
    ]);
  });
});
