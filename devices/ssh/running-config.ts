/**
 * What a switch's running configuration says about its management plane, for Cisco IOS-style and
 * HP ProCurve / ArubaOS-Switch-style configurations, and the configuration itself with every secret
 * replaced by `<redacted>` (it is stored as evidence, so it must carry no password, key or community).
 *
 * Defaults matter as much as lines: ProCurve runs telnet and plain-HTTP management unless told
 * `no telnet-server` / `no web-management plaintext`, and an IOS `line vty` without `transport input`
 * accepts telnet on the releases schools still run (CIS asks for `transport input ssh` explicitly).
 */
import type { SwitchManagement } from '../facts.ts';

export type ConfigDialect = 'cisco-ios' | 'hp-procurve';

export const REDACTED = '<redacted>';

/** ProCurve configs open with `; J9279A Configuration Editor; ...` and quote names. */
export function detectDialect(config: string): ConfigDialect {
  if (
    /^;\s.*Configuration Editor/m.test(config) ||
    /^hostname\s+"/m.test(config) ||
    /^\s*no telnet-server\b|^\s*web-management\b|^\s*snmpv3\b/m.test(config)
  ) {
    return 'hp-procurve';
  }
  return 'cisco-ios';
}

/** A top-level command and the indented lines under it. */
interface Block {
  head: string;
  body: string[];
}

function blocks(config: string): Block[] {
  const out: Block[] = [];
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (line.trim() === '' || line.trim() === '!') continue;
    if (/^\s/.test(line) && out.length > 0) (out[out.length - 1] as Block).body.push(line.trim());
    else out.push({ head: line.trim(), body: [] });
  }
  return out;
}

/** Splits a line into words, keeping "quoted strings" whole (without their quotes). */
export function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

export function parseRunningConfig(
  config: string,
  dialect: ConfigDialect = detectDialect(config),
): Omit<SwitchManagement, 'runningConfig'> {
  const parsed = dialect === 'hp-procurve' ? parseProCurve(config) : parseIos(config);
  return { ...parsed, ...configNames(config) };
}

/**
 * The names a technician knows the switch and its ports by: `hostname` (IOS `hostname X`, ProCurve
 * `hostname "X"`) and each interface's description (IOS `description ...` under `interface ...`,
 * ProCurve `name "..."` under `interface N`).
 */
export function configNames(config: string): Pick<SwitchManagement, 'hostname' | 'interfaceDescriptions'> {
  const out: Pick<SwitchManagement, 'hostname' | 'interfaceDescriptions'> = {};
  const descriptions: Record<string, string> = {};
  for (const b of blocks(config)) {
    const w = words(b.head);
    if (w[0] === 'hostname' && w[1] !== undefined) out.hostname = w.slice(1).join(' ');
    if (w[0] !== 'interface' || w[1] === undefined) continue;
    const name = w.slice(1).join(' ');
    for (const l of b.body) {
      const m = /^(?:description|name)\s+(.+)$/.exec(l);
      if (m?.[1] !== undefined) descriptions[name] = m[1].replace(/^"(.*)"$/, '$1');
    }
  }
  if (Object.keys(descriptions).length > 0) out.interfaceDescriptions = descriptions;
  return out;
}

function parseIos(config: string): Omit<SwitchManagement, 'runningConfig'> {
  const all = blocks(config);
  const heads = all.map((b) => b.head);
  const has = (re: RegExp) => heads.some((h) => re.test(h));

  // VTY lines: telnet is allowed if any vty block allows it, or does not say (see the file comment).
  const vty = all.filter((b) => /^line vty\b/.test(b.head));
  const transports = vty.map((b) => {
    const t = b.body.find((l) => /^transport input\b/.test(l));
    return t === undefined ? ['all'] : words(t).slice(2);
  });
  const vtyAllows = (proto: string) => transports.some((t) => t.includes(proto) || t.includes('all'));

  // Some IOS-like CLIs (Catalyst 1000/CBS, Dell, Netgear) switch telnet with a global command.
  // `no ip telnet` / `no ip telnet server` / `no telnet-server` turn it off; `ip telnet server` /
  // `telnet server enable` turn it on.
  const telnetOff = has(/^no (ip )?telnet([ -]server)?\s*$/);
  const telnetOn = has(/^(ip )?telnet[ -]server(\s+enable)?\s*$/);
  const telnetGlobal = telnetOff ? false : telnetOn ? true : undefined;

  const communities: SwitchManagement['snmpCommunities'] = [];
  const users: string[] = [];
  for (const h of heads) {
    const w = words(h);
    if (w[0] === 'snmp-server' && w[1] === 'community' && w[2] !== undefined) {
      // `snmp-server community NAME [view V] [RO|RW] [acl]`; IOS defaults to read-only.
      const rw = w.slice(3).some((x) => x.toUpperCase() === 'RW');
      communities.push({ name: w[2], access: rw ? 'rw' : 'ro' });
    }
    if (w[0] === 'snmp-server' && w[1] === 'user' && w[2] !== undefined) users.push(w[2]);
  }

  return {
    telnet: telnetGlobal ?? (vty.length > 0 && vtyAllows('telnet')),
    http: has(/^ip http server\b/) && !has(/^no ip http server\b/),
    https: has(/^ip http secure-server\b/) && !has(/^no ip http secure-server\b/),
    ssh: (has(/^ip ssh\b/) && !has(/^no ip ssh\b/)) || (vty.length > 0 && vtyAllows('ssh')),
    snmpCommunities: communities,
    snmpV3Users: [...new Set(users)],
  };
}

function parseProCurve(config: string): Omit<SwitchManagement, 'runningConfig'> {
  const heads = blocks(config).map((b) => b.head);
  const has = (re: RegExp) => heads.some((h) => re.test(h));
  const communities: SwitchManagement['snmpCommunities'] = [];
  const users: string[] = [];
  for (const h of heads) {
    const w = words(h);
    if (w[0] === 'snmp-server' && w[1] === 'community' && w[2] !== undefined) {
      // `snmp-server community "NAME" [operator|manager] [restricted|unrestricted]`: only
      // `unrestricted` may write.
      communities.push({
        name: w[2],
        access: w.slice(3).some((x) => x.toLowerCase() === 'unrestricted') ? 'rw' : 'ro',
      });
    }
    if (w[0] === 'snmpv3' && w[1] === 'user' && w[2] !== undefined) users.push(w[2]);
  }
  return {
    telnet: !has(/^no telnet-server\b/),
    http: !has(/^no web-management(\s+plaintext)?\s*$/),
    https: has(/^web-management ssl\b/) && !has(/^no web-management\s*$/),
    ssh: !has(/^no ip ssh\b/),
    snmpCommunities: communities,
    snmpV3Users: [...new Set(users)],
  };
}

// ---------------------------------------------------------------- redaction

const VALUE = String.raw`("[^"]*"|\S+)`;
/** Words after `password` that are not the password itself (ProCurve: `password manager user-name ...`). */
const NOT_A_SECRET =
  /^(manager|operator|port-access|minimum-length|complexity|history|aging|encryption|policy|configuration|chain|config-key)$/;

/** Replaces group 2 (the value) after group 1 (the words before it), unless it is not a secret. */
const sub = (line: string, re: RegExp): string =>
  line.replace(re, (m: string, ...groups: unknown[]) => {
    const [prefix, value] = groups as [string, string | undefined];
    if (value === undefined || value === REDACTED || NOT_A_SECRET.test(value)) return m;
    return `${prefix}${REDACTED}`;
  });

/**
 * Replaces every secret in a configuration with `<redacted>`, keeping the words around it (and an IOS
 * encryption type such as `7` or `9`, which a check may want to judge: type 7 is reversible). Errs on
 * the side of redacting too much: the text is evidence, not a backup.
 */
export function redactRunningConfig(config: string): string {
  return config
    .split('\n')
    .map((line) => redactLine(line))
    .join('\n');
}

function redactLine(line: string): string {
  let out = line;
  // ProCurve: `password manager user-name "admin" sha1 "..."` (or `plaintext "..."`).
  out = sub(out, new RegExp(String.raw`(\b(?:sha1|sha-256|plaintext)\s+)${VALUE}`, 'g'));
  // `password [level N] [type] VALUE`, `secret [type] VALUE`, `password-encrypt VALUE`.
  out = sub(
    out,
    new RegExp(
      String.raw`(\b(?:password|secret|password-encrypt)\s+(?:level\s+\d+\s+)?(?:\d{1,2}\s+)?)${VALUE}`,
      'g',
    ),
  );
  if (/^\s*snmp-server\b/.test(out)) {
    // `snmp-server community VALUE ...` (IOS and ProCurve, also inside `snmp-server host ... community`).
    out = sub(out, new RegExp(String.raw`(\bcommunity\s+)${VALUE}`, 'g'));
    // IOS trap hosts carry the community in clear: `snmp-server host ADDR [traps|informs] [version 1|2c] VALUE`.
    if (!/\bversion\s+3\b/.test(out) && !/\bcommunity\b/.test(out)) {
      out = sub(
        out,
        new RegExp(
          String.raw`^(\s*snmp-server\s+host\s+\S+\s+(?:(?:traps|informs)\s+)?(?:version\s+(?:1|2c)\s+)?)${VALUE}`,
        ),
      );
    }
  }
  // SNMPv3 keys: `auth sha VALUE priv aes 128 VALUE` (IOS) / `auth sha "VALUE" priv aes "VALUE"` (ProCurve).
  out = sub(
    out,
    new RegExp(
      String.raw`(\b(?:auth|priv)\s+(?:md5|sha\d*|sha-\d+|des|3des|aes(?:\s+\d{3})?)\s+)${VALUE}`,
      'gi',
    ),
  );
  // Shared keys of RADIUS/TACACS servers, key chains and NTP: only on those lines (`crypto key
  // generate` is not a secret).
  // `key 1` inside a key chain is the key's number, not the key.
  const keyLine =
    /\b(radius-server|tacacs-server|radius server|tacacs server|server-private|key-string|authentication-key)\b|^\s*key\s/;
  if (keyLine.test(out) && !/^\s*key\s+\d+\s*$/.test(out)) {
    out = sub(
      out,
      new RegExp(String.raw`(\b(?:key|key-string|authentication-key\s+\d+\s+md5)\s+(?:\d\s+)?)${VALUE}`, 'g'),
    );
  }
  return out;
}

/** The management facts and the redacted configuration, from a raw running configuration. */
export function switchManagementFromConfig(config: string, dialect?: ConfigDialect): SwitchManagement {
  const text = config.replace(/\r\n/g, '\n');
  return { ...parseRunningConfig(text, dialect), runningConfig: redactRunningConfig(text) };
}
