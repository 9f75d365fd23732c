import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../checks/catalog/catalog.ts';
import { allChecks } from '../checks/registry.ts';
import type { Status } from '../checks/types.ts';
import { plainEnglishProblems, plainSentence } from './plain.ts';

const catalog = loadCatalog();
/** The worst a check's technical sentence can look: ports listed, a raw RouterOS id, a check id. */
const TECHNICAL =
  'guests reaches staff on udp/53, tcp/53, tcp/853, tcp/other not just the internet: udp/53, tcp/53 via rule *46 (no comment); see routeros-zone-isolation.';

describe("the head's page sentence of every check", () => {
  const cases = allChecks.flatMap((c) =>
    (['fail', 'error', 'not_applicable', 'pass'] as Status[]).map((status) => ({ check: c, status })),
  );
  it.each(cases.map((x) => [x.check.meta.id, x.status, x] as const))(
    '%s (%s) reads as plain English: no port lists, no internal ids, no raw device ids',
    (_id, _status, { check, status }) => {
      const control = check.meta.controls.map((id) => catalog.controls.get(id)).find((x) => x !== undefined);
      expect(control, `${check.meta.id} evidences a catalogued control`).toBeDefined();
      const sentence = plainSentence({
        checkId: check.meta.id,
        status,
        reason: TECHNICAL,
        evidence: [
          {
            source: 'gw-demo',
            object: 'guests -> staff',
            expected: 'nothing',
            actual: 'udp/53, tcp/53, tcp/853',
          },
        ],
        ...(control === undefined ? {} : { control }),
      });
      expect(plainEnglishProblems(sentence), sentence).toEqual([]);
      expect(sentence).not.toContain(check.meta.id);
    },
  );

  it('says what can happen, to whom, and why, for a zone leak', () => {
    const control = catalog.controls.get('NET-ISOLATION');
    expect(
      plainSentence({
        checkId: 'routeros-zone-isolation',
        status: 'fail',
        reason:
          'guests can open connections to staff on udp/53, tcp/53, tcp/other: udp/53, tcp/53, tcp/other via rule "guests -> internet".',
        evidence: [
          { source: 'gw-demo', object: 'guests -> staff', expected: 'nothing', actual: 'udp/53, tcp/53' },
        ],
        ...(control === undefined ? {} : { control }),
      }),
    ).toBe("Guest devices can reach staff computers, because router rule 'guests -> internet' lets them.");
  });

  it('refuses the sentences the head could not read (the rule can fail)', () => {
    expect(plainEnglishProblems(TECHNICAL)).toEqual(
      expect.arrayContaining([
        'names a protocol/port',
        'quotes a raw device id like *46',
        'quotes an internal check id',
      ]),
    );
    expect(plainEnglishProblems('Not met: NET-ISOLATION.')).toContain('quotes a control id');
    expect(plainEnglishProblems('Ports 53, 443, 853 are open.')).toContain('lists ports');
    expect(plainEnglishProblems('set /ip/firewall/filter action=accept')).not.toEqual([]);
  });
});

describe('probe findings on the head’s page', () => {
  it('a segmentation failure reads as what a device could do, without the service it was tried on', () => {
    const sentence = (reason: string) =>
      plainSentence({ checkId: 'probe-segmentation-policy', status: 'fail', reason, evidence: [] });
    expect(
      sentence(
        "A visitor's device on the guest network could open a connection to the staff network (tcp/22), which the school's network policy forbids.",
      ),
    ).toBe(
      "A visitor's device on the guest network could open a connection to the staff network, which the school's network policy forbids.",
    );
    expect(
      sentence(
        "A pupil's device could open a connection to the school’s servers (udp/5353 (a port the policy does not name)), which the school's network policy forbids.",
      ),
    ).toBe(
      "A pupil's device could open a connection to the school’s servers, which the school's network policy forbids.",
    );
    expect(
      sentence(
        "Devices on the staff network could not reach the school’s servers on tcp/443, although the school's network policy allows it (refused).",
      ),
    ).toBe(
      "Devices on the staff network could not reach the school’s servers, although the school's network policy allows it (refused).",
    );
    // A filtering verdict is already plain: used as it is.
    expect(
      plainSentence({
        checkId: 'probe-filter-web-category',
        status: 'fail',
        reason: "A pupil's laptop could reach a proxy test page that the filter should block.",
        evidence: [],
      }),
    ).toBe("A pupil's laptop could reach a proxy test page that the filter should block.");
  });
});
