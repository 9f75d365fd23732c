import type { ConnectionOptions, TLSSocket } from 'node:tls';

/** How the router's api-ssl certificate is trusted. At least one of `ca` or `fingerprint` should be set. */
export interface RouterOsTlsOptions {
  /** PEM text of the CA that signed the router's certificate (or of the router's self-signed certificate). */
  ca?: string;
  /** SHA-256 fingerprint of the router's certificate: hex, colons optional, `sha256:`/`SHA256=` prefix allowed. */
  fingerprint?: string;
  /** Name to verify (and send as SNI) instead of the host, when the certificate names the router by DNS name. */
  servername?: string;
}

/** `AB:CD:...` (as Node's `fingerprint256` and `openssl x509 -fingerprint -sha256` print it), or null if malformed. */
export function normaliseFingerprint(input: string): string | null {
  const hex = input
    .trim()
    .replace(/^sha-?256\s*[:=/]?\s*/i, '')
    .replace(/^fingerprint\s*=\s*/i, '')
    .replace(/[:\s]/g, '')
    .toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

/**
 * Node TLS options for the router. With a CA, OpenSSL verifies the chain and the name (the host, or
 * `servername`) before a byte of the API flows. With only a pinned fingerprint the chain cannot be built (a
 * router's api-ssl certificate is normally self-signed), so the pin replaces it: the client checks the peer's
 * SHA-256 fingerprint on `secureConnect` and only then lets the login be written (see client.ts
 * `guardWithPin`). With neither, the system CAs are used. Verification is never switched off silently.
 */
export function tlsConnectionOptions(tls: RouterOsTlsOptions): ConnectionOptions {
  const options: ConnectionOptions = { minVersion: 'TLSv1.2' };
  if (tls.servername !== undefined) options.servername = tls.servername;
  if (tls.ca !== undefined) {
    options.ca = [tls.ca];
  } else if (tls.fingerprint !== undefined) {
    // Pin-only: the fingerprint check in guardWithPin is the verification; it runs before any write.
    options.rejectUnauthorized = false;
  }
  // Without servername the certificate must name `host` (for an IP address, in its IP SANs).
  return options;
}

export function peerFingerprint(socket: TLSSocket): string | undefined {
  const cert = socket.getPeerCertificate();
  return cert && typeof cert.fingerprint256 === 'string' ? cert.fingerprint256.toUpperCase() : undefined;
}
