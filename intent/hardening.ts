/**
 * Hardening that every school router gets: plaintext and web management off, the remaining management
 * services reachable only from `managementAllowFrom` (or the management networks), SNMP off unless the
 * declaration gives the router SNMPv3 (then one authPriv community, read-only), the default `public`
 * community disabled, and no default `admin` user.
 */
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { tag } from './names.ts';
import { PlanError, secretPlaceholder, type DesiredObject, type SecretNeed } from './types.ts';

const AUTH = { sha: 'SHA1', sha256: 'SHA256', md5: 'MD5' } as const;
const PRIV = { aes: 'AES', aes256b: 'AES', des: 'DES' } as const;

export function managementAddresses(decl: SchoolDeclaration, device: Device): string[] {
  if (device.managementAllowFrom && device.managementAllowFrom.length > 0) return device.managementAllowFrom;
  return decl.networks.filter((n) => n.role === 'management').map((n) => n.subnet);
}

export function planHardening(
  decl: SchoolDeclaration,
  device: Device,
): { objects: DesiredObject[]; secrets: SecretNeed[] } {
  const objects: DesiredObject[] = [];
  const secrets: SecretNeed[] = [];
  const tls = device.tls?.enabled === true;
  const allow = managementAddresses(decl, device).join(',');
  // The API the providers use stays on; plain `api` goes when the router is managed over api-ssl.
  const off = ['telnet', 'ftp', 'www', ...(tls ? ['api'] : [])];
  const restricted = ['ssh', 'winbox', 'www-ssl', 'api-ssl', ...(tls ? [] : ['api'])];
  for (const name of off)
    objects.push({
      role: `service-${name}`,
      menu: '/ip/service',
      mode: 'existing',
      key: { name },
      props: { disabled: 'yes' },
    });
  if (allow !== '')
    for (const name of restricted)
      objects.push({
        role: `service-${name}`,
        menu: '/ip/service',
        mode: 'existing',
        key: { name },
        props: { address: allow },
      });

  const v3 = device.snmp?.version === '3' ? device.snmp : undefined;
  objects.push({
    role: 'snmp',
    menu: '/snmp',
    mode: 'singleton',
    key: {},
    props: { enabled: v3 ? 'yes' : 'no' },
  });
  objects.push({
    role: 'snmp-community-public',
    menu: '/snmp/community',
    mode: 'existing',
    key: { name: 'public' },
    props: { disabled: 'yes' },
  });
  if (v3) {
    if (!v3.user || !v3.authKey || !v3.privKey)
      throw new PlanError(`devices[${device.name}].snmp: SNMPv3 needs user, authKey and privKey`);
    secrets.push(
      { ref: v3.authKey, field: `devices[${device.name}].snmp.authKey` },
      { ref: v3.privKey, field: `devices[${device.name}].snmp.privKey` },
    );
    objects.push({
      role: `snmp-community-${v3.user}`,
      menu: '/snmp/community',
      mode: 'owned',
      key: { name: v3.user },
      props: {
        security: 'private',
        'authentication-protocol': AUTH[v3.authProtocol ?? 'sha'],
        'encryption-protocol': PRIV[v3.privProtocol ?? 'aes'],
        'authentication-password': secretPlaceholder(v3.authKey),
        'encryption-password': secretPlaceholder(v3.privKey),
        'read-access': 'yes',
        'write-access': 'no',
        ...(allow !== '' ? { addresses: allow } : {}),
        comment: tag(`snmp-community-${v3.user}`),
      },
      secretProps: ['authentication-password', 'encryption-password'],
    });
  }
  objects.push({ role: 'user-admin', menu: '/user', mode: 'absent', key: { name: 'admin' }, props: {} });
  return { objects, secrets };
}
