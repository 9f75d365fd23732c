/**
 * Child process of test/bench/directory.ts: the memory figures for the 50,000-account dump, in a fresh
 * process. First the account dump alone, streamed page by page through the reader (what reading costs);
 * then the audit's whole directory collection, which keeps every account as a fact (what the audit
 * holds). Prints, as JSON, the RSS before, the peak after each, and the size on the wire of the LDAP
 * responses (counted by a third, identical set of searches on our session).
 *
 *   node test/bench/directory-rss.ts   (the directory settings come as JSON on stdin)
 */
import { text } from 'node:stream/consumers';
import {
  OPENLDAP_GROUP_ATTRS,
  OPENLDAP_USER_ATTRS,
  openLdapGroupFilter,
  openLdapUserFilter,
} from '../../devices/ldap/accounts.ts';
import { openDirectoryReader } from '../../devices/ldap/client.ts';
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
const reader = await openDirectoryReader({
  name: 'bench',
  url: input.dir.url,
  ca: input.ca,
  bindDn: input.dir.bind.dn,
  password: input.password,
  timeoutMs: 300_000,
});
let dumped = 0;
for await (const page of reader.pages({
  base: input.dir.baseDn,
  filter: openLdapUserFilter(),
  attributes: OPENLDAP_USER_ATTRS,
}))
  dumped += page.length;
await reader.close();
const dumpPeak = process.resourceUsage().maxRSS * 1024;
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
console.log(JSON.stringify({ accounts, dumped, dumpPeak, peakRss: peak, rssBefore: before, wireBytes }));
