import { DeviceError, type DeviceErrorCode } from '../errors.ts';

/** What a technician should do about each way a RouterOS conversation can fail. */
export const HINTS: Partial<Record<DeviceErrorCode, string>> = {
  'E-REFUSED':
    'Check the address and port in the declaration, and that the router has the api (8728) or api-ssl (8729) ' +
    'service enabled under /ip/service with this host in its allowed addresses.',
  'E-TIMEOUT':
    'The router did not answer in time: check it is reachable from this host and not overloaded; ' +
    'raise timeoutMs for a slow link.',
  'E-AUTH':
    'Check the user and the password reference in the declaration; the RouterOS user needs a group with the ' +
    'api and read policies (write as well for pulumi up).',
  'E-TLS':
    'The router certificate is not trusted: set tls.ca to the CA (or certificate file) that signed it, or ' +
    'tls.fingerprint to its SHA-256 fingerprint; check the port really is api-ssl.',
  'E-CLOSED':
    'The router closed the connection: check its log (/log print) and that the port is the RouterOS API.',
  'E-PROTOCOL':
    'Something that is not the RouterOS API answered on this port: check the port in the declaration.',
  'E-FATAL': 'The router ended the API session: check its log (/log print) for the reason.',
};

export function deviceError(
  code: DeviceErrorCode,
  device: string,
  message: string,
  opts: { detail?: Record<string, string | number>; cause?: unknown; hint?: string } = {},
): DeviceError {
  const hint = opts.hint ?? HINTS[code];
  return new DeviceError(code, device, message, {
    ...(hint === undefined ? {} : { hint }),
    ...(opts.detail === undefined ? {} : { detail: opts.detail }),
    ...(opts.cause === undefined ? {} : { cause: opts.cause }),
  });
}

const REFUSED = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED']);

/** Maps a Node socket error (net or tls) to a DeviceError code. */
export function socketErrorCode(err: NodeJS.ErrnoException): DeviceErrorCode {
  const code = err.code ?? '';
  if (REFUSED.has(code)) return 'E-REFUSED';
  if (code === 'ETIMEDOUT') return 'E-TIMEOUT';
  if (CLOSED.has(code)) return 'E-CLOSED';
  // OpenSSL verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED,
  // ...) and Node's own (ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_WRONG_VERSION_NUMBER, ...).
  if (/^ERR_(TLS|SSL)_|CERT|SSL|TLS|SIGNATURE|ISSUER/.test(code) || 'library' in err) return 'E-TLS';
  if (code === 'EPROTO') return 'E-TLS';
  return 'E-CLOSED';
}
