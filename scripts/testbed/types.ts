/**
 * What `schoolnet testbed up --json` prints and what vitest's global setup provides to tests
 * (`inject('testbed')`). Keyed by service name; every service listens on loopback only.
 */
export interface ServiceInfo {
  host: string;
  port: number;
  /** Other ports by name (e.g. ldaps, kdc, acct, tls). */
  ports?: Record<string, number>;
  user?: string;
  password?: string;
  /** Paths a client needs: CA certificate, client key, host-key fingerprint, data dir. */
  ca?: string;
  privateKey?: string;
  hostKeyFingerprint?: string;
  /** Anything else a client needs (base DN, servername, community names, v3 user...). */
  extra?: Record<string, string>;
}

export interface TestbedInfo {
  /** The run's private directory (removed by `down`). */
  dir: string;
  services: Partial<Record<TestbedService, ServiceInfo>>;
  /** Where each secret was written (`<dir>/secrets/<name>`), for `file:` references in declarations. */
  secrets?: Record<string, string>;
}

export type TestbedService =
  'samba' | 'openldap' | 'snmpd' | 'snmpsim' | 'sshd' | 'radius' | 'routeros' | 'postgres';
