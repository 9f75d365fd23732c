/**
 * No credential in clear (pure validation): a RouterOS device without TLS (the plain API, 8728, sends
 * the password in clear) must say `insecure: true`; an SMTP server without TLS must be a declared
 * insecure local relay, and no password is ever sent to one.
 */
import type { Device } from './types.ts';

export function transportProblems(data: unknown): Array<{ pointer: string; message: string }> {
  const problems: Array<{ pointer: string; message: string }> = [];
  const decl = data as {
    devices?: unknown;
    delivery?: { email?: { smtp?: Record<string, unknown> } };
  } | null;
  if (!decl || typeof decl !== 'object') return problems;
  if (Array.isArray(decl.devices))
    decl.devices.forEach((d: Partial<Device> | null, i) => {
      if (!d || typeof d !== 'object' || d.driver !== 'routeros') return;
      if (d.tls?.enabled !== true && d.insecure !== true)
        problems.push({
          pointer: `/devices/${i}`,
          message: `${d.name ?? 'this router'}: the plain RouterOS API (8728) sends the password in clear; enable tls (api-ssl, 8729) or declare insecure: true (reported as a failure on every audit)`,
        });
    });
  const smtp = decl.delivery?.email?.smtp;
  if (smtp && typeof smtp === 'object' && smtp.insecure === true) {
    if (smtp.secure === true)
      problems.push({
        pointer: '/delivery/email/smtp/insecure',
        message: 'insecure: true contradicts secure: true',
      });
    if (smtp.password !== undefined)
      problems.push({
        pointer: '/delivery/email/smtp/password',
        message: 'no password may be sent to an insecure (no TLS) SMTP relay',
      });
  }
  return problems;
}
