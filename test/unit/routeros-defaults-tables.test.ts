/**
 * The RouterOS defaults are written down twice on purpose, and this test holds the two to each other.
 * The test server's catalogue (test/support/routeros/catalog.ts, RouterOS 7, with RouterOS 6's own in
 * versions.ts DEFAULT_RULES) is the documented table: what the MikroTik manual's "Default:" columns say
 * RouterOS gives a property, which decides what the server leaves out of a plain `print`. The client's
 * table (devices/routeros/defaults.ts) is what the providers and the collector fill a left-out property
 * with. Were either read from the other, the server would leave out exactly what the client fills in by
 * construction, and a wrong default (a wrong version split, a RouterOS 6 value on 7) could never show:
 * the providers would call a router's real setting "as declared". So each is transcribed from the manual
 * on its own, and every property both know must hold the same value on every modelled version.
 */
import { describe, expect, it } from 'vitest';
import { ROUTEROS_DEFAULTS, routerOsDefault } from '../../devices/routeros/defaults.ts';
import { normalise } from '../../intent/values.ts';
import { CATALOG } from '../support/routeros/catalog.ts';
import { BETWEEN_PROFILES, ROUTEROS_VERSIONS } from '../support/routeros/profiles.ts';
import { defaultsFor } from '../support/routeros/versions.ts';

// The matrix's releases and those between (6.49.7, 7.1, ...): a default split by version holds by range.
const VERSIONS = [...new Set([...ROUTEROS_VERSIONS, ...BETWEEN_PROFILES.map((p) => p.version)])];

describe.each(VERSIONS.map((v) => [v, v.split('.').map(Number)] as const))(
  'the client defaults and the test server catalogue agree on RouterOS %s',
  (_name, version) => {
    it('on every property both tables know, in every menu the server models', () => {
      let compared = 0;
      for (const menu of Object.keys(ROUTEROS_DEFAULTS)) {
        const spec = CATALOG[menu];
        if (spec?.defaults === undefined) continue;
        const server = defaultsFor(menu, spec.defaults, version);
        for (const prop of Object.keys(ROUTEROS_DEFAULTS[menu] ?? {})) {
          const ours = routerOsDefault(menu, prop, version);
          const documented = server[prop];
          if (ours === undefined || documented === undefined) continue;
          compared++;
          expect({ menu, prop, value: normalise(prop, ours) }).toEqual({
            menu,
            prop,
            value: normalise(prop, documented),
          });
        }
      }
      expect(compared).toBeGreaterThan(60);
    });
  },
);

// What the client fills in that the server's catalogue does not model (so nothing here checks it): kept
// as a list so that a new client default either gets its documented row in the catalogue or is named.
it('names every client default the test server does not model', () => {
  const unmodelled = Object.entries(ROUTEROS_DEFAULTS).flatMap(([menu, table]) =>
    Object.keys(table)
      .filter((prop) => CATALOG[menu]?.defaults?.[prop] === undefined)
      .map((prop) => `${menu} ${prop}`),
  );
  expect(unmodelled.sort()).toEqual([
    '/interface/bridge arp-timeout',
    '/interface/bridge/port unknown-multicast-flood',
    '/interface/wifi arp-timeout',
    '/interface/wifiwave2 arp-timeout',
  ]);
});
