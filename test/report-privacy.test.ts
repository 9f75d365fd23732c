/**
 * Privacy of what is e-mailed, over every example school: each school (the demo and the five
 * examples, each with its own declaration, roster and clause map) is audited for real against the
 * testbed (a RouterOS test server loaded with a fixture full of faults; switches on snmpsim and sshd;
 * Samba AD or slapd seeded with the demo directory), and what the nightly delivery would send is built
 * the way `deliverRun` builds it: the subject, the body and the PDF (rendered by Debian's Chromium,
 * read back with poppler's pdftotext). None of it may contain a name from the school's roster or the
 * seeded directory, an account name, an e-mail, IP or MAC address, or a file path.
 *
 * The same audit, rendered with the technician's section, must contain some of those names: the
 * assertion is not vacuous.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import type { AuditRun } from '../checks/engine/types.ts';
import { loadSchool } from '../inventory/load.ts';
import { rosterFacts } from '../inventory/roster.ts';
import { renderRun, settingsOf } from '../reports/index.ts';
import { bodyOf, digest, subjectOf } from '../scripts/schedule/digest.ts';
import { renderPdf } from '../scripts/schedule/pdf.ts';
import { loadDemoDirectory } from '../scripts/testbed/seed-directory.ts';
import {
  bindToTestbed,
  EXAMPLE_SCHOOLS,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
} from './support/bind-testbed.ts';

const SCHOOLS = ['demo', ...EXAMPLE_SCHOOLS] as const;
const KEY = 'privacy-test-pseudonym-key-0123456789';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'report-privacy-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every way the school's people could be named: roster and directory names, account names. */
async function namesOf(school: string, run: AuditRun): Promise<string[]> {
  const loaded = await loadSchool(join(SCHOOLS_DIR, school, 'school.yaml'));
  const names = new Set<string>();
  if (loaded.decl.lifecycle !== undefined) {
    const roster = await rosterFacts(loaded);
    for (const p of roster.people) {
      names.add(`${p.givenName} ${p.surname}`);
      names.add(p.surname);
      names.add(p.id);
      names.add(p.id.split('@')[0] ?? p.id);
    }
  }
  const seeded = await loadDemoDirectory();
  for (const p of seeded.people) {
    names.add(p.username);
    names.add(`${p.givenName} ${p.surname}`);
    names.add(p.surname);
  }
  for (const f of run.findings)
    for (const e of f.evidence)
      if (e.source === 'directory' && e.object?.includes('.') === true) names.add(e.object);
  return [...names].filter((n) => n.trim().length >= 3);
}

const ADDRESSES: [string, RegExp][] = [
  ['IPv4 address', /\b(?:\d{1,3}\.){3}\d{1,3}\b/],
  ['MAC address', /\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/i],
  ['e-mail address', /[\w.+-]+@[\w-]+\.[\w.-]+/],
  ['file path', /(?:^|\s)\/(?:[\w.-]+\/){2,}/m],
];

function leaks(text: string, names: readonly string[], postal: string | undefined): string[] {
  const found: string[] = [];
  for (const n of names)
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(n)}(?![\\p{L}\\p{N}])`, 'u').test(text)) found.push(n);
  for (const [what, re] of ADDRESSES) {
    const m = re.exec(text);
    if (m !== null) found.push(`${what} ${m[0].trim()}`);
  }
  if (postal !== undefined && text.includes(postal)) found.push(`postal address ${postal}`);
  return found;
}

function pdfText(pdf: Buffer, name: string): string {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
}

describe.each(SCHOOLS)('what is e-mailed about %s', (school) => {
  let run: AuditRun;
  let names: string[];
  let bound: Awaited<ReturnType<typeof bindToTestbed>>;

  beforeAll(async () => {
    const { server, endpoint } = await startSchoolRouter(school === 'demo' ? 'demo' : 'bad');
    try {
      bound = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, school, 'school.yaml')), testbedInfo(), {
        routers: endpoint,
      });
      // The school declares a pseudonym key, so pupils may be referred to by keyed pseudonym.
      bound.loaded.decl.reports = { pseudonymKey: 'env:SNTEST_PSEUDONYM_KEY' };
      bound.env.SNTEST_PSEUDONYM_KEY = KEY;
      run = await auditSchool(bound.loaded, { env: bound.env });
    } finally {
      await server.close();
    }
    names = await namesOf(school, run);
  }, 180_000);

  it('names no person, account or address in the subject, body or PDF', async () => {
    const d = digest(run, undefined);
    const pdf = await renderPdf(run, { includeTechnical: false, loaded: bound.loaded, env: bound.env });
    const text = pdfText(pdf, school);
    // The real report came out: its head's page and marking are there.
    expect(text).toContain('What to act on first');
    expect(text).toMatch(/OFFICIAL/);
    const postal = bound.loaded.decl.school.address;
    expect(leaks(subjectOf(d), names, postal)).toEqual([]);
    expect(leaks(bodyOf(d, run, { attached: true }), names, postal)).toEqual([]);
    expect(leaks(text, names, postal)).toEqual([]);
    // Also the HTML and JSON of the e-mailed version (what `schoolnet report --no-technical` gives).
    const settings = await settingsOf(bound.loaded, bound.env);
    for (const f of ['html', 'json'] as const) {
      const out = (await renderRun(run, f, { includeTechnical: false, settings })) as string;
      const visible = f === 'html' ? out.replace(/<[^>]+>/g, ' ') : out;
      expect(leaks(visible, names, postal)).toEqual([]);
      // Pupils the audit found something about are referred to by keyed pseudonym only.
      if (f === 'json' && run.findings.some((x) => x.status === 'fail' && x.personal === 'pupil'))
        expect(out).toMatch(/pupil-[0-9a-f]{8}/);
    }
  }, 120_000);

  it('still names them in the technician’s version, so the check above can fail', async () => {
    const settings = await settingsOf(bound.loaded, bound.env);
    const full = (await renderRun(run, 'json', { includeTechnical: true, settings })) as string;
    const accounts = run.findings.some((f) =>
      f.evidence.some((e) => e.source === 'directory' && e.object?.includes('.')),
    );
    if (accounts) expect(leaks(full, names, undefined).length).toBeGreaterThan(0);
    else expect(leaks(full, [], undefined).some((l) => l.startsWith('IPv4'))).toBe(true);
  }, 60_000);
});
