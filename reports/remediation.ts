/**
 * What a technician types to put a finding right: per check, filled in with the finding's device,
 * object and value and the school's declaration (directory kind, management subnet), as data beside
 * the finding. RouterOS commands follow the MikroTik manual's menus and properties (`/ip service`,
 * `/user`, `/snmp community`, `/interface wifi` security.*, `/ip firewall filter`); directory commands
 * are samba-tool / PowerShell ActiveDirectory for AD and ldapmodify LDIF (ppolicy) for OpenLDAP.
 * A check with no exact command here gets none: the control's general advice stands instead, rather
 * than a command that might be wrong.
 */
import type { RunFinding } from '../checks/engine/types.ts';

export interface Step {
  tool: 'routeros' | 'samba-tool' | 'powershell' | 'ldapmodify' | 'register';
  /** Where to run it: the device, the directory or the register file. */
  on: string;
  command: string;
}

/** What the declaration adds to a finding to make its command exact. */
export interface RemediationContext {
  directory?: { kind: 'ad' | 'openldap'; baseDn: string };
  /** Per device name: addresses allowed to manage it. */
  managementAllowFrom?: Record<string, readonly string[]>;
  /** The asset register file, relative to the school folder. */
  assets?: string;
}

const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
const ldif = (dn: string, attr: string, value: string): string =>
  `dn: ${dn}\nchangetype: modify\nreplace: ${attr}\n${attr}: ${value}`;

type Maker = (f: RunFinding, ctx: RemediationContext) => Step[];

function account(
  f: RunFinding,
  ctx: RemediationContext,
  ad: (u: string) => Step[],
  ldap: (u: string) => Step[],
): Step[] {
  const u = f.evidence[0]?.object;
  if (u === undefined || u.startsWith('(')) return [];
  return ctx.directory?.kind === 'openldap' ? ldap(u) : ctx.directory?.kind === 'ad' ? ad(u) : [];
}

const userDn = (u: string, ctx: RemediationContext): string =>
  `uid=${u},<ou>,${ctx.directory?.baseDn ?? '<base DN>'}`;

const disableAccount: Maker = (f, ctx) =>
  account(
    f,
    ctx,
    (u) => [
      { tool: 'samba-tool', on: 'directory', command: `samba-tool user disable ${u}` },
      { tool: 'powershell', on: 'directory', command: `Disable-ADAccount -Identity ${q(u)}` },
    ],
    (u) => [
      {
        tool: 'ldapmodify',
        on: 'directory',
        command: ldif(userDn(u, ctx), 'pwdAccountLockedTime', '000001010000Z'),
      },
    ],
  );

/** samba-tool's option and ppolicy's attribute for each password-policy check, with the value wanted. */
const POLICY: Record<
  string,
  { samba: string; ppolicy: string; value: (expected: string) => string | undefined }
> = {
  'directory-password-min-length': {
    samba: '--min-pwd-length',
    ppolicy: 'pwdMinLength',
    value: (e) => /(\d+)/.exec(e)?.[1],
  },
  'directory-password-length-cyber-essentials': {
    samba: '--min-pwd-length',
    ppolicy: 'pwdMinLength',
    value: (e) => /(\d+)/.exec(e)?.[1],
  },
  'directory-password-lockout': {
    samba: '--account-lockout-threshold',
    ppolicy: 'pwdMaxFailure',
    value: (e) => /\.\.(\d+)/.exec(e)?.[1],
  },
  'directory-password-history': {
    samba: '--history-length',
    ppolicy: 'pwdInHistory',
    value: (e) => /(\d+)/.exec(e)?.[1],
  },
};

const passwordPolicy: Maker = (f, ctx) => {
  const p = POLICY[f.checkId];
  const e = f.evidence[0];
  const v = p?.value(e?.expected ?? '');
  if (p === undefined || v === undefined || e === undefined) return [];
  const source = e.object ?? '';
  if (ctx.directory?.kind === 'ad') {
    const pso = /^fine-grained policy cn=([^,]+)/i.exec(source)?.[1];
    return [
      {
        tool: 'samba-tool',
        on: 'directory',
        command:
          pso === undefined
            ? `samba-tool domain passwordsettings set ${p.samba}=${v}`
            : `samba-tool domain passwordsettings pso set ${q(pso)} ${p.samba}=${v}`,
      },
    ];
  }
  if (ctx.directory?.kind === 'openldap')
    return [
      {
        tool: 'ldapmodify',
        on: 'directory',
        command: ldif(source.replace(/^[^=]*?(?=cn=)/i, '') || '<ppolicy DN>', p.ppolicy, v),
      },
    ];
  return [];
};

const wifiName = (f: RunFinding): string | undefined =>
  /^(.+?)(?: (?:pmf|wpa3))?$/.exec(f.evidence[0]?.object ?? '')?.[1]?.split(' (')[0];

const MAKERS: Record<string, Maker> = {
  'routeros-service-management-restricted': (f, ctx) => {
    const e = f.evidence[0];
    const svc = /^service (\S+)/.exec(e?.object ?? '')?.[1];
    if (e === undefined || svc === undefined) return [];
    if (['telnet', 'ftp', 'www', 'api'].includes(svc))
      return [{ tool: 'routeros', on: e.source, command: `/ip service disable ${svc}` }];
    const from = ctx.managementAllowFrom?.[e.source];
    return from === undefined || from.length === 0
      ? []
      : [{ tool: 'routeros', on: e.source, command: `/ip service set ${svc} address=${from.join(',')}` }];
  },
  'routeros-user-default-admin-removed': (f) => [
    { tool: 'routeros', on: f.evidence[0]?.source ?? '', command: '/user disable admin' },
  ],
  'routeros-snmp-default-community': (f) => [
    {
      tool: 'routeros',
      on: f.evidence[0]?.source ?? '',
      command: '/snmp community set [find name="public"] read-access=no write-access=no',
    },
  ],
  'wifi-pmf-required': (f) => {
    const ssid = wifiName(f);
    return ssid === undefined
      ? []
      : [
          {
            tool: 'routeros',
            on: f.evidence[0]?.source ?? '',
            command: `/interface wifi set [find configuration.ssid=${q(ssid)}] security.management-protection=required`,
          },
        ];
  },
  'wifi-ssid-requires-eap': (f) => {
    const ssid = wifiName(f);
    return ssid === undefined
      ? []
      : [
          {
            tool: 'routeros',
            on: f.evidence[0]?.source ?? '',
            command: `/interface wifi set [find configuration.ssid=${q(ssid)}] security.authentication-types=wpa2-eap,wpa3-eap`,
          },
        ];
  },
  'routeros-firmware-minimum': (f) => [
    {
      tool: 'routeros',
      on: f.evidence[0]?.source ?? '',
      command: '/system package update check-for-updates',
    },
    { tool: 'routeros', on: f.evidence[0]?.source ?? '', command: '/system package update install' },
  ],
  'routeros-firewall-encrypted-dns-blocked': (f) => {
    const net = /^(\S+) port 853$/.exec(f.evidence[0]?.object ?? '')?.[1];
    if (net === undefined) return [];
    const on = f.evidence[0]?.source ?? '';
    return ['tcp', 'udp'].map((p) => ({
      tool: 'routeros' as const,
      on,
      command: `/ip firewall filter add chain=forward in-interface=${net} protocol=${p} dst-port=853 action=drop comment=${q(`${net}: no encrypted DNS`)} place-before=0`,
    }));
  },
  'directory-account-leavers-disabled': disableAccount,
  'directory-account-stale': disableAccount,
  'directory-account-not-on-roster': disableAccount,
  'directory-account-password-not-required': (f, ctx) =>
    account(
      f,
      ctx,
      (u) => [
        {
          tool: 'powershell',
          on: 'directory',
          command: `Set-ADUser -Identity ${q(u)} -PasswordNotRequired $false`,
        },
      ],
      () => [],
    ),
  'directory-account-password-never-expires': (f, ctx) =>
    account(
      f,
      ctx,
      (u) => [
        {
          tool: 'powershell',
          on: 'directory',
          command: `Set-ADUser -Identity ${q(u)} -PasswordNeverExpires $false`,
        },
      ],
      () => [],
    ),
  'directory-password-min-length': passwordPolicy,
  'directory-password-length-cyber-essentials': passwordPolicy,
  'directory-password-lockout': passwordPolicy,
  'directory-password-history': passwordPolicy,
  'inventory-devices-registered': (f, ctx) => {
    const obj = f.evidence[0]?.object;
    if (obj === undefined || obj.startsWith('(')) return [];
    return [
      {
        tool: 'register',
        on: ctx.assets ?? 'the asset register',
        command: `Add a row for the device seen as ${obj} (serial, model, location, end of support), or take it off the network.`,
      },
    ];
  },
  'inventory-end-of-support': (f, ctx) => {
    const obj = f.evidence[0]?.object;
    return obj === undefined || obj.startsWith('(')
      ? []
      : [
          {
            tool: 'register',
            on: ctx.assets ?? 'the asset register',
            command: `Replace ${obj}, or record its extended support end date in the register if the vendor extended it.`,
          },
        ];
  },
};

export function remediationSteps(f: RunFinding, ctx: RemediationContext): Step[] {
  if (f.status !== 'fail' && f.status !== 'waived') return [];
  return (MAKERS[f.checkId] ?? (() => []))(f, ctx).filter((s) => s.on !== '');
}

/** Checks with an exact command (for the docs and a test that each is exercised). */
export const CHECKS_WITH_STEPS: readonly string[] = Object.keys(MAKERS);
