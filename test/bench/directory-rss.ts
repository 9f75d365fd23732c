/**
 * Child process of test/bench/directory.ts: one memory figure for the 50,000-account directory, in a
 * fresh process (peak RSS only ever grows, so each figure gets its own). `what` is
 *  - `dump`: the audit's account dump (the facts' attributes) streamed through the reader, each entry
 *    handed on and dropped: what reading costs;
 *  - `accounts`: the leavers check's account dump, every account kept as a fact;
 *  - `facts`: the audit's whole directory collection (accounts, policies, groups), everything kept.
 * Prints, as JSON, the RSS before reading, the peak after, the number of entries, and the size of the
 * LDAP responses those searches receive (counted by running them again on a bare session).
 *
 *   node test/bench/directory-rss.ts dump|accounts|facts   (the directory settings come as JSON on stdin)
 */
import { text } from 'node:stream/consumers';
import {
  OPENLDAP_GROUP_ATTRS,
  OPENLDAP_LEAVER_ATTRS,
  OPENLDAP_USER_ATTRS,
  openLdapGroupFilter,
  openLdapUserFilter,
} from '../../devices/ldap/accounts.ts';
import { openDirectoryReader } from '../../devices/ldap/client.ts';
import { collectDirectoryAccounts, collectDirectoryFacts } from '../../devices/ldap/collect.ts';
import { eq, type LdapFilter } from '../../devices/ldap/filter.ts';
import { PPOLICY_ATTRS } from '../../devices/ldap/policy.ts';
import { LdapWire } from '../../devices/ldap/wire.ts';
import type { Directory } from '../../inventory/types.ts';

interface Input {
  dir: Directory;
  password: string;
  ca: string;
  /** The leavers check's extra attribute (the roster's id). */
  idAttribute: string;
}

const what = process.argv[2] ?? 'dump';
const input = JSON.parse(await text(process.stdin)) as Input;
const opts = {
  resolveSecret: (ref: string) => Promise.resolve(ref.startsWith('env:') ? input.password : input.ca),
  timeoutMs: 300_000,
};
const users = { filter: openLdapUserFilter(), attributes: OPENLDAP_USER_ATTRS };
const searches: { filter: LdapFilter; attributes: string[] }[] =
  what === 'dump'
    ? [users]
    : what === 'accounts'
      ? [{ filter: openLdapUserFilter(), attributes: [...OPENLDAP_LEAVER_ATTRS, input.idAttribute] }]
      : [
          users,
          { filter: eq('objectClass', 'pwdPolicy'), attributes: PPOLICY_ATTRS },
          { filter: openLdapGroupFilter(), attributes: OPENLDAP_GROUP_ATTRS },
        ];

const before = process.memoryUsage().rss;
let entries = 0;
if (what === 'dump') {
  const reader = await openDirectoryReader({
    name: 'bench',
    url: input.dir.url,
    ca: input.ca,
    bindDn: input.dir.bind.dn,
    password: input.password,
    timeoutMs: 300_000,
  });
  await reader.each({ base: input.dir.baseDn, ...users }, () => entries++);
  await reader.close();
} else if (what === 'accounts')
  entries = (await collectDirectoryAccounts(input.dir, { ...opts, accountAttributes: [input.idAttribute] }))
    .length;
else entries = (await collectDirectoryFacts(input.dir, opts)).accounts.length;
const peak = process.resourceUsage().maxRSS * 1024;

// The same searches again, on one bare session, counting the bytes of the LDAP messages received.
const u = new URL(input.dir.url);
const wire = new LdapWire();
await wire.connect({
  host: u.hostname,
  port: Number(u.port),
  mode: 'ldaps',
  tls: { ca: [input.ca], host: u.hostname },
});
await wire.bind(input.dir.bind.dn, input.password);
const base = wire.bytesReceived;
for (const s of searches) {
  const search = wire.stream(
    { base: input.dir.baseDn, scope: 'sub', filter: s.filter.wire, attributes: s.attributes },
    1000,
    { attributes: s.attributes, binary: [] },
    () => undefined,
  );
  await search.done;
}
const wireBytes = wire.bytesReceived - base;
await wire.close();
console.log(JSON.stringify({ what, entries, peak, before, wireBytes }));
