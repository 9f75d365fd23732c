/**
 * One throw-away certificate authority per testbed run, and server certificates issued by it, made with the
 * openssl CLI (EC P-256: instant, where Samba's own 4096-bit RSA self-signing took over 30 s here).
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './process.ts';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestCa extends CertPair {
  /** Issues a server certificate; files `<dir>/<name>.pem` and `<dir>/<name>.key` (mode 600). */
  issue(opts: { dir: string; name: string; cn: string; dns?: string[]; ips?: string[] }): Promise<CertPair>;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '30'];

export async function createCa(dir: string, cn = 'schoolnet testbed CA'): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const ca: CertPair = { cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') };
  // prettier-ignore
  await run('openssl', [
    'req', '-x509', '-new', ...EC, '-subj', `/O=schoolnet testbed/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', ca.key, '-out', ca.cert,
  ]);
  await chmod(ca.key, 0o600);
  return {
    ...ca,
    async issue({ dir: outDir, name, cn, dns = [], ips = [] }) {
      await mkdir(outDir, { recursive: true });
      const pair: CertPair = { cert: join(outDir, `${name}.pem`), key: join(outDir, `${name}.key`) };
      const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
      // prettier-ignore
      await run('openssl', [
        'req', '-x509', '-new', ...EC, '-subj', `/O=schoolnet testbed/CN=${cn}`, '-CA', ca.cert, '-CAkey', ca.key,
        '-addext', 'basicConstraints=critical,CA:FALSE', '-addext', 'keyUsage=critical,digitalSignature',
        '-addext', 'extendedKeyUsage=serverAuth', ...(san ? ['-addext', `subjectAltName=${san}`] : []),
        '-keyout', pair.key, '-out', pair.cert,
      ]);
      await chmod(pair.key, 0o600);
      return pair;
    },
  };
}
