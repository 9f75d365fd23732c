/**
 * Every way an LDAP conversation can fail, mapped to the DeviceError codes the audit reports, each with
 * what a technician should do about it.
 */
import { DeviceError } from '../errors.ts';

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'EPROTO',
]);
const REFUSED_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);
const CLOSED_CODES = new Set(['ECONNRESET', 'EPIPE']);

function errCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** ldapts result-code errors carry the numeric LDAP result code. */
function ldapResultCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' ? c : undefined;
}

/** Turn anything thrown while talking to a directory into a DeviceError. */
export function toDeviceError(e: unknown, device: string, doing: string): DeviceError {
  if (e instanceof DeviceError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = errCode(e);
  const result = ldapResultCode(e);
  const cause = e;
  if (code !== undefined && TLS_CODES.has(code))
    return new DeviceError(
      'E-TLS',
      device,
      `TLS certificate not trusted while ${doing}: ${code} (${message})`,
      {
        hint: 'Declare the CA that signed the directory certificate (directory.tls.ca) and the name on it (directory.tls.servername).',
        detail: { tlsError: code },
        cause,
      },
    );
  if (code !== undefined && REFUSED_CODES.has(code))
    return new DeviceError('E-REFUSED', device, `cannot connect while ${doing}: ${code}`, {
      hint: 'Check the directory URL and port, that the server is running, and that a firewall allows the audit host.',
      cause,
    });
  if (code !== undefined && CLOSED_CODES.has(code))
    return new DeviceError(
      'E-CLOSED',
      device,
      `the directory closed the connection while ${doing}: ${code}`,
      { cause },
    );
  if (code === 'ETIMEDOUT' || /timed? ?out|timeout/i.test(message))
    return new DeviceError('E-TIMEOUT', device, `no answer in time while ${doing}`, {
      hint: 'The directory did not answer within the timeout: check it is reachable and not overloaded.',
      cause,
    });
  if (result === 49)
    return new DeviceError('E-AUTH', device, `the directory rejected the bind credentials while ${doing}`, {
      hint: 'Check directory.bind.dn and the password the secret reference points at.',
      detail: { ldapResultCode: 49 },
      cause,
    });
  if (result === 8 || result === 13)
    return new DeviceError('E-TLS', device, `the directory requires an encrypted connection while ${doing}`, {
      hint: 'Use an ldaps:// URL or startTls: true.',
      detail: { ldapResultCode: result },
      cause,
    });
  if (result === 50)
    return new DeviceError('E-AUTH', device, `insufficient access rights while ${doing}: ${message}`, {
      hint: 'The bind account lacks the rights for this operation.',
      detail: { ldapResultCode: 50 },
      cause,
    });
  if (result === 32)
    return new DeviceError('E-NOTFOUND', device, `no such object while ${doing}`, {
      hint: 'Check the base DN and the OU DNs in the declaration.',
      detail: { ldapResultCode: 32 },
      cause,
    });
  if (result === 3)
    return new DeviceError('E-TIMEOUT', device, `the directory's time limit was exceeded while ${doing}`, {
      cause,
    });
  if (/Connection closed|Socket error/i.test(message))
    return new DeviceError('E-CLOSED', device, `the connection closed while ${doing}`, { cause });
  return new DeviceError('E-PROTOCOL', device, `unexpected directory reply while ${doing}: ${message}`, {
    detail: result === undefined ? undefined : { ldapResultCode: result },
    cause,
  });
}
