import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  analyseSchoolText,
  DeclarationError,
  formatProblem,
  loadSchool,
  loadSchoolsDir,
  validateSchoolFile,
} from './load.ts';
import { TESTBED_DIR } from './confine.ts';

/** The demo's testbed references are relative to its folder: absolute, so a copy elsewhere keeps them. */
const movable = (t: string): string => t.replaceAll('../../../.schoolnet/testbed/', `${TESTBED_DIR}/`);

const SCHOOLS = join(import.meta.dirname, 'schools');
const INVALID = join(import.meta.dirname, '..', 'test', 'fixtures', 'invalid');
const EXAMPLES = [
  'croft-prep',
  'demo',
  'miskin-primary',
  'scissett-middle',
  'st-josephs-primary',
  'st-marks-primary',
];

describe('the example schools', () => {
  it.each(EXAMPLES)('%s validates with no problems', async (id) => {
    const file = join(SCHOOLS, id, 'school.yaml');
    expect((await validateSchoolFile(file)).map(formatProblem)).toEqual([]);
    const school = await loadSchool(file);
    expect(school.decl.school.id).toBe(id);
    expect(school.dir).toBe(join(SCHOOLS, id));
  });

  it('loadSchoolsDir finds every example, sorted by folder name', async () => {
    const { schools, errors } = await loadSchoolsDir(SCHOOLS);
    expect(errors).toEqual([]);
    expect(schools.map((s) => s.decl.school.id)).toEqual(EXAMPLES);
  });
});

interface Case {
  fixture: string;
  line: number;
  column: number;
  pointer: string;
  message: RegExp;
}

// Each fixture breaks one thing in an otherwise valid declaration; the line and column are where
// the offending value (or key) starts in the file.
const INVALID_CASES: Case[] = [
  {
    fixture: 'unknown-key',
    line: 17,
    column: 5,
    pointer: '/networks/0/fitleringProfile',
    message: /unknown key "fitleringProfile" \(did you mean "filteringProfile"\?\)/,
  },
  {
    fixture: 'vlan-zero',
    line: 13,
    column: 11,
    pointer: '/networks/0/vlan',
    message: /VLAN id must be a whole number from 1 to 4094/,
  },
  {
    fixture: 'vlan-4095',
    line: 19,
    column: 11,
    pointer: '/networks/1/vlan',
    message: /VLAN id must be a whole number from 1 to 4094/,
  },
  {
    fixture: 'duplicate-vlan',
    line: 19,
    column: 11,
    pointer: '/networks/1/vlan',
    message: /duplicate VLAN id 10: already used by network STAFF/,
  },
  {
    fixture: 'duplicate-network-name',
    line: 18,
    column: 11,
    pointer: '/networks/1/name',
    message: /duplicate network name "STAFF"/,
  },
  {
    fixture: 'duplicate-ssid',
    line: 33,
    column: 11,
    pointer: '/wifi/1/ssid',
    message: /duplicate SSID "Fixture-Staff": already declared at \/wifi\/0/,
  },
  {
    fixture: 'ssid-unknown-network',
    line: 35,
    column: 14,
    pointer: '/wifi/1/network',
    message: /network "GUEST", which does not exist \(networks: STAFF, PUPILS\)/,
  },
  {
    fixture: 'ssid-unknown-radius',
    line: 36,
    column: 14,
    pointer: '/wifi/1/radius/0',
    message: /RADIUS server "radius2" is not declared/,
  },
  {
    fixture: 'radius-host-name',
    line: 25,
    column: 11,
    pointer: '/radius/0/host',
    message:
      /^must be an IPv4 address such as 10\.40\.0\.10, not a host name: RouterOS's \/radius takes an address$/,
  },
  {
    fixture: 'overlapping-subnets',
    line: 20,
    column: 13,
    pointer: '/networks/1/subnet',
    message: /10\.10\.0\.0\/22 overlaps 10\.10\.0\.0\/24 of network STAFF/,
  },
  {
    fixture: 'gateway-outside-subnet',
    line: 21,
    column: 14,
    pointer: '/networks/1/gateway',
    message: /gateway 10\.21\.0\.1 is outside its subnet 10\.20\.0\.0\/22/,
  },
  {
    fixture: 'zone-unknown-role',
    line: 43,
    column: 15,
    pointer: '/zones/rules/2/from',
    message: /role "guests", but no network has that role/,
  },
  {
    fixture: 'zone-not-a-role',
    line: 41,
    column: 37,
    pointer: '/zones/rules/0/to/1',
    message: /must be one of pupils, staff, .*; found "teachers"/,
  },
  {
    fixture: 'yaml-syntax',
    line: 22,
    column: 10,
    pointer: '',
    message: /YAML syntax error: Flow sequence .* end with a \]/,
  },
  {
    fixture: 'duplicate-key',
    line: 20,
    column: 5,
    pointer: '',
    message: /YAML syntax error: Map keys must be unique/,
  },
  {
    fixture: 'inline-secret',
    line: 51,
    column: 17,
    pointer: '/devices/0/credentials/password',
    message: /an inline secret is not allowed: use env:NAME or file:PATH/,
  },
  {
    fixture: 'eap-without-radius',
    line: 28,
    column: 5,
    pointer: '/wifi/0/radius',
    message: /wpa2-eap or wpa3-eap SSID needs radius/,
  },
  {
    fixture: 'psk-without-passphrase',
    line: 33,
    column: 5,
    pointer: '/wifi/1/passphrase',
    message: /wpa2-psk SSID needs passphrase/,
  },
  {
    fixture: 'ssh-cli-without-pin',
    line: 52,
    column: 5,
    pointer: '/devices/1/sshHostKey',
    message: /ssh-cli device needs sshHostKey/,
  },
  {
    fixture: 'duplicate-device',
    line: 52,
    column: 11,
    pointer: '/devices/1/name',
    message: /duplicate device name "core-router"/,
  },
  {
    fixture: 'port-unknown-network',
    line: 59,
    column: 43,
    pointer: '/devices/1/ports/1/network',
    message: /port 2 names network "GUESTS", which is not declared/,
  },
];

describe('invalid declarations are rejected at the right place', () => {
  it.each(INVALID_CASES)(
    '$fixture -> $line:$column $pointer',
    async ({ fixture, line, column, pointer, message }) => {
      const file = join(INVALID, `${fixture}.yaml`);
      const problems = await validateSchoolFile(file);
      expect(problems).toHaveLength(1);
      const [p] = problems;
      expect(p).toMatchObject({ file, line, column, pointer });
      expect(p?.message).toMatch(message);
    },
  );

  it('a tab used for indentation is a syntax error on its line', async () => {
    const problems = await validateSchoolFile(join(INVALID, 'yaml-tab-indent.yaml'));
    expect(problems[0]).toMatchObject({
      line: 21,
      column: 1,
      message: 'YAML syntax error: Tabs are not allowed as indentation',
    });
    expect(problems.every((p) => p.line === 21)).toBe(true);
  });

  it('a file with several problems reports all of them, in line order', async () => {
    const file = join(INVALID, 'several-problems.yaml');
    const problems = await validateSchoolFile(file);
    expect(problems.map((p) => [p.line, p.column, p.pointer])).toEqual([
      [8, 3, '/school/colour'],
      [20, 11, '/networks/1/vlan'],
      [27, 13, '/radius/0/secret'],
      [34, 11, '/wifi/1/ssid'],
      [43, 38, '/zones/rules/1/to/1'],
    ]);
    expect(formatProblem(problems[2]!)).toBe(
      `${file}:27:13: /radius/0/secret: an inline secret is not allowed: use env:NAME or file:PATH`,
    );
  });

  it('loadSchool throws a DeclarationError carrying every problem', async () => {
    const file = join(INVALID, 'several-problems.yaml');
    const err = await loadSchool(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeclarationError);
    expect((err as DeclarationError).problems).toHaveLength(5);
    expect((err as DeclarationError).message).toContain(`${file}:20:11: /networks/1/vlan:`);
  });

  it('an unreadable file is one problem naming the file', async () => {
    const file = join(INVALID, 'no-such-school.yaml');
    expect(await validateSchoolFile(file)).toEqual([
      { file, line: 0, column: 0, pointer: '', message: 'cannot read the declaration: no such file' },
    ]);
    expect(formatProblem((await validateSchoolFile(file))[0]!)).toBe(
      `${file}: cannot read the declaration: no such file`,
    );
  });

  it('a key with a slash is escaped in the pointer and still located', async () => {
    const demo = movable(await readFile(join(SCHOOLS, 'demo', 'school.yaml'), 'utf8'));
    const text = `${demo}'vlan/extra~1': 1\n`;
    const { problems } = analyseSchoolText(text, 'school.yaml');
    expect(problems).toEqual([
      {
        file: 'school.yaml',
        line: text.split('\n').length - 1,
        column: 1,
        pointer: '/vlan~1extra~01',
        message: expect.stringMatching(/^unknown key "vlan\/extra~1"/),
      },
    ]);
  });

  it('an empty file is reported at line 1, not crashed on', async () => {
    const problems = await validateSchoolFile(join(INVALID, 'empty.yaml'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, column: 1, pointer: '' });
  });
});

describe('schools folder', () => {
  let tmp: string;
  let dir: string;
  let idLine: number;
  beforeAll(async () => {
    // The folder-name rule applies to `.../schools/<id>/school.yaml`, so mirror that layout.
    tmp = await mkdtemp(join(tmpdir(), 'schoolnet-'));
    dir = join(tmp, 'schools');
    const demo = movable(await readFile(join(SCHOOLS, 'demo', 'school.yaml'), 'utf8'));
    idLine = demo.split('\n').indexOf('  id: demo') + 1;
    const put = async (id: string, text: string) => {
      await mkdir(join(dir, id), { recursive: true });
      await writeFile(join(dir, id, 'school.yaml'), text);
    };
    await put('demo', demo);
    await put('alpha', demo.replace('id: demo', 'id: alpha'));
    // The id no longer matches the folder: an error for this school only.
    await put('renamed', demo);
    await put('broken', 'apiVersion: [\n');
    await mkdir(join(dir, 'no-declaration'));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it('school.id must equal the folder name', async () => {
    const problems = await validateSchoolFile(join(dir, 'renamed', 'school.yaml'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: idLine, column: 7, pointer: '/school/id' });
    expect(problems[0]?.message).toBe(
      'school id "demo" must equal its folder name "renamed" (rename one of them)',
    );
  });

  it('loads the valid schools and reports each broken one without stopping', async () => {
    const { schools, errors } = await loadSchoolsDir(dir);
    expect(schools.map((s) => s.decl.school.id)).toEqual(['alpha', 'demo']);
    expect(errors.map((e) => e.file)).toEqual([
      join(dir, 'broken', 'school.yaml'),
      join(dir, 'renamed', 'school.yaml'),
    ]);
    expect(errors[0]?.problems[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/^YAML syntax error/),
    });
  });
});
