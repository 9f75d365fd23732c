/**
 * Child process of scripts/bench/directory.ts: the memory figure for the 50,000-account dump. Runs the
 * audit's directory collection once in a fresh process and prints, as JSON, the process's peak RSS, its
 * RSS just before the collection (Node itself and the loaded modules), and the size on the wire of the
 * LDAP responses the collection reads (counted by a second, identical set of searches on our session).
 *
 *   node scripts/bench/directory-rss.ts   (the directory settings come as JSON on stdin)
 */
import { text } from 'node:stream/consumers';
import {
  OPENLDAP_GROUP_ATTRS,
  OPENLDAP_USER_ATTRS,
  openLdapGroupFilter,
  openLdapUserFilter,
} from '../../devices/ldap/accounts.ts';
import { collectDirectoryFacts } from '../../devices/ldap/collect.ts';
import { eq } from '../../devices/ldap/filter.ts';
import { PPOLICY_ATTRS } from '../../devices/ldap/policy.ts';
import { LdapWire } from '../../devices/ldap/wire.ts';
import type { Directory } from '../../inventory/types.ts';

interface Input {
  dir: Directory;
  password: string;
  ca: string;
}

const input = JSON.parse(await text(process.stdin)) as Input;
const opts = {
  resolveSecret: (ref: string) => Promise.resolve(ref.startsWith('env:') ? input.password : input.ca),
  timeoutMs: 300_000,
};
const before = process.memoryUsage().rss;
const facts = await collectDirectoryFacts(input.dir, opts);
const peak = process.resourceUsage().maxRSS * 1024;
const accounts = facts.accounts.length;

// The same searches again, on one wire session, counting the bytes of the LDAP messages received.
const u = new URL(input.dir.url);
const wire = new LdapWire();
await wire.connect({
  host: u.hostname,
  port: Number(u.port),
  mode: 'ldaps',
  tls: { ca: [input.ca], host: u.hostname },
});
await wire.bind(input.dir.bind.dn, input.password);
const searches = [
  { filter: openLdapUserFilter(), attributes: OPENLDAP_USER_ATTRS },
  { filter: eq('objectClass', 'pwdPolicy'), attributes: PPOLICY_ATTRS },
  { filter: openLdapGroupFilter(), attributes: OPENLDAP_GROUP_ATTRS },
];
for (const s of searches)
  for await (const page of wire.search(
    { base: input.dir.baseDn, scope: 'sub', filter: s.filter.wire, attributes: s.attributes },
    1000,
    { attributes: s.attributes, binary: [] },
  ))
    void page;
const wireBytes = wire.bytesReceived;
await wire.close();
console.log(JSON.stringify({ accounts, peakRss: peak, rssBefore: before, wireBytes }));
