import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseSchoolText } from './load.ts';

const DEMO = join(import.meta.dirname, 'schools', 'demo', 'school.yaml');
const base = readFileSync(DEMO, 'utf8');

/** The demo declaration with extra sections appended; problems are located in the appended text. */
function problemsWith(extra: string): { line: number; column: number; pointer: string; message: string }[] {
  const text = `${base}\n${extra}`;
  const offset = base.split('\n').length;
  return analyseSchoolText(text, DEMO).problems.map((p) => ({
    line: p.line - offset,
    column: p.column,
    pointer: p.pointer,
    message: p.message,
  }));
}

describe('filtering profiles and probe positions in the declaration', () => {
  it('a complete filtering and probes section is valid', () => {
    expect(
      problemsWith(`filtering:
  profiles:
    pupil: { blockAddresses: [10.40.0.80], dnsTests: [{ category: adult, name: adult.test.example }] }
    staff: { safeSearch: { youtube: moderate } }
    guest: { bypass: { dot: ['1.1.1.1#cloudflare-dns.com'], doh: ['https://dns.example/dns-query'] } }
probes:
  positions:
    - { network: PUPILS, netns: sn-pupils }
    - { network: STAFF, sourceAddress: 10.10.0.9 }
  timeoutMs: 2000
`),
    ).toEqual([]);
  });

  it.each([
    [
      'a position for an undeclared network',
      'probes:\n  positions:\n    - { network: LIBRARY, netns: x }\n',
      { line: 3, pointer: '/probes/positions/0/network', message: /network "LIBRARY" is not declared/ },
    ],
    [
      'a position with nowhere to send from',
      'probes:\n  positions:\n    - { network: PUPILS }\n',
      { line: 3, pointer: '/probes/positions/0', message: /needs netns .* or sourceAddress/ },
    ],
    [
      'a source address outside the network',
      'probes:\n  positions:\n    - { network: PUPILS, sourceAddress: 10.10.0.9 }\n',
      { line: 3, pointer: '/probes/positions/0/sourceAddress', message: /not in network PUPILS's subnet/ },
    ],
    [
      'a DNS test name that is not a name',
      'filtering:\n  profiles:\n    pupil: { dnsTests: [{ category: adult, name: "not a name" }] }\n    staff: {}\n    guest: {}\n',
      { line: 3, pointer: '/filtering/profiles/pupil/dnsTests/0/name', message: /must be a DNS name/ },
    ],
    [
      'a web test that is not a web URL',
      'filtering:\n  profiles:\n    pupil: { webTests: [{ category: proxy, url: "ftp://x.example/" }] }\n    staff: {}\n    guest: {}\n',
      { line: 3, pointer: '/filtering/profiles/pupil/webTests/0/url', message: /http:\/\/ or https:\/\// },
    ],
    [
      'a YouTube level that does not exist',
      'filtering:\n  profiles:\n    pupil: { safeSearch: { youtube: lenient } }\n    staff: {}\n    guest: {}\n',
      {
        line: 3,
        pointer: '/filtering/profiles/pupil/safeSearch/youtube',
        message: /must be one of strict, moderate, off; found "lenient"/,
      },
    ],
  ])('%s is reported at its line', (_name, extra, want) => {
    const problems = problemsWith(extra);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: want.line, pointer: want.pointer });
    expect(problems[0]?.message).toMatch(want.message);
  });

  it('a network naming a profile that the filtering section does not declare', () => {
    const problems = problemsWith('filtering:\n  profiles:\n    pupil: {}\n    staff: {}\n');
    // The demo's GUEST network names profile "guest".
    expect(problems.map((p) => [p.pointer, p.message])).toEqual([
      [
        '/networks/2/filteringProfile',
        'filtering profile "guest" is not declared under filtering.profiles (declared: pupil, staff)',
      ],
    ]);
    expect(problems[0]!.line).toBeLessThan(0); // located at the network, in the file above the appended text
  });
});
