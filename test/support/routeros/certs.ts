import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allowSecretsDir } from '../allow-secrets.ts';

/**
 * Certificates for api-ssl tests, made with the openssl CLI in a temp dir: a CA, a router certificate it
 * signed (names router.school.test and IP 127.0.0.1), and a second, unrelated CA a client must not trust.
 */
export interface TestCertificates {
  dir: string;
  caFile: string;
  ca: string;
  cert: string;
  key: string;
  /** SHA-256 of the router certificate, `AB:CD:...`. */
  fingerprint: string;
  /** A CA that signed nothing here. */
  otherCa: string;
}

let made: TestCertificates | undefined;

export function testCertificates(): TestCertificates {
  if (made) return made;
  const dir = mkdtempSync(join(tmpdir(), 'schoolnet-routeros-tls-'));
  // Declarations bound to this router name its CA here: allow-list the folder as an operator allow-lists a
  // secrets directory (inventory/confine.ts), for this process and the CLI processes it starts.
  allowSecretsDir(dir);
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const caExt = [
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '3650',
    '-subj',
    '/CN=schoolnet test CA',
    ...caExt,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  );
  ssl(
    'req',
    '-x509',
    ...ec,
    '-days',
    '3650',
    '-subj',
    '/CN=someone else CA',
    ...caExt,
    '-keyout',
    'other.key',
    '-out',
    'other.pem',
  );
  ssl('req', ...ec, '-subj', '/CN=router.school.test', '-keyout', 'router.key', '-out', 'router.csr');
  writeFileSync(
    join(dir, 'router.ext'),
    'subjectAltName=DNS:router.school.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n',
  );
  ssl(
    'x509',
    '-req',
    '-in',
    'router.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '3650',
    '-out',
    'router.pem',
    '-extfile',
    'router.ext',
  );
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  const cert = read('router.pem');
  made = {
    dir,
    caFile: join(dir, 'ca.pem'),
    ca: read('ca.pem'),
    cert,
    key: read('router.key'),
    fingerprint: new X509Certificate(cert).fingerprint256,
    otherCa: read('other.pem'),
  };
  return made;
}
