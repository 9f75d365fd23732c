/**
 * Recorded running configurations in, SwitchManagement out (the NAPALM pattern): each folder in
 * test/fixtures/ssh/ holds `running-config.txt` (recorded from the testbed's CLI, or a fictional school
 * switch), the facts expected, the exact redacted text, and the secrets that must never survive.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectDialect,
  parseRunningConfig,
  redactRunningConfig,
  switchManagementFromConfig,
} from './running-config.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/ssh');
const read = (scenario: string, file: string) => readFileSync(join(FIXTURES, scenario, file), 'utf8');
const scenarios = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'expected.json')));

interface Expected {
  management: Record<string, unknown>;
  mustNotContain: string[];
  mustContain: string[];
}

describe('switch management from recorded running configurations', () => {
  it('has the scenarios this suite promises', () => {
    expect(scenarios.sort()).toEqual(['ios-legacy', 'procurve', 'testbed-core-sw1']);
  });

  it.each(scenarios)('%s: facts, redacted text and no surviving secret', (scenario) => {
    const expected = JSON.parse(read(scenario, 'expected.json')) as Expected;
    const m = switchManagementFromConfig(read(scenario, 'running-config.txt'));
    const { runningConfig, ...facts } = m;
    expect(facts).toEqual(expected.management);
    expect(runningConfig).toBe(read(scenario, 'redacted.txt'));
    for (const secret of expected.mustNotContain) expect(runningConfig).not.toContain(secret);
    for (const kept of expected.mustContain) expect(runningConfig).toContain(kept);
  });

  it('recognises the dialects', () => {
    expect(detectDialect(read('procurve', 'running-config.txt'))).toBe('hp-procurve');
    expect(detectDialect(read('ios-legacy', 'running-config.txt'))).toBe('cisco-ios');
    expect(detectDialect(read('testbed-core-sw1', 'running-config.txt'))).toBe('cisco-ios');
  });
});

describe('management protocols, line by line', () => {
  const ios = (text: string) => parseRunningConfig(text, 'cisco-ios');
  const hp = (text: string) => parseRunningConfig(text, 'hp-procurve');

  it.each([
    ['vty allows telnet explicitly', 'line vty 0 4\n transport input telnet ssh\n', true],
    ['vty allows all', 'line vty 0 4\n transport input all\n', true],
    ['vty says nothing (old IOS default: all)', 'line vty 0 4\n login\n', true],
    [
      'every vty is ssh only',
      'line vty 0 4\n transport input ssh\nline vty 5 15\n transport input ssh\n',
      false,
    ],
    [
      'one vty range still allows telnet',
      'line vty 0 4\n transport input ssh\nline vty 5 15\n transport input telnet\n',
      true,
    ],
    ['global no ip telnet wins', 'no ip telnet\nline vty 0 4\n login\n', false],
    ['global ip telnet server', 'ip telnet server\nline vty 0 4\n transport input ssh\n', true],
    ['no vty lines at all', 'hostname x\n', false],
  ])('IOS telnet: %s', (_name, text, telnet) => {
    expect(ios(text).telnet).toBe(telnet);
  });

  it('IOS web and ssh', () => {
    expect(ios('ip http server\nno ip http secure-server\n')).toMatchObject({ http: true, https: false });
    expect(ios('no ip http server\nip http secure-server\n')).toMatchObject({ http: false, https: true });
    expect(ios('ip ssh version 2\n').ssh).toBe(true);
    expect(ios('line vty 0 4\n transport input telnet\n').ssh).toBe(false);
  });

  it('IOS SNMP: community access defaults to read-only', () => {
    expect(
      ios('snmp-server community abc\nsnmp-server community def view V rw 10\n').snmpCommunities,
    ).toEqual([
      { name: 'abc', access: 'ro' },
      { name: 'def', access: 'rw' },
    ]);
  });

  it('ProCurve defaults: telnet and plain HTTP stay on unless switched off', () => {
    expect(hp('hostname "a"\n')).toMatchObject({ telnet: true, http: true, https: false, ssh: true });
    expect(hp('no telnet-server\nno web-management plaintext\nweb-management ssl\n')).toMatchObject({
      telnet: false,
      http: false,
      https: true,
    });
    expect(hp('no web-management\n')).toMatchObject({ http: false, https: false });
  });
});

describe('redaction', () => {
  it.each([
    ['enable secret 9 $9$abc', 'enable secret 9 <redacted>'],
    ['username a privilege 15 password 0 hunter2', 'username a privilege 15 password 0 <redacted>'],
    ['enable password level 15 hunter2', 'enable password level 15 <redacted>'],
    ['snmp-server community S3cret RO 10', 'snmp-server community <redacted> RO 10'],
    [
      'snmp-server host 10.0.0.1 informs version 2c S3cret',
      'snmp-server host 10.0.0.1 informs version 2c <redacted>',
    ],
    ['snmp-server host 10.0.0.1 version 3 priv nms', 'snmp-server host 10.0.0.1 version 3 priv nms'],
    [
      'snmp-server user u G v3 auth sha256 A priv aes 256 P',
      'snmp-server user u G v3 auth sha256 <redacted> priv aes 256 <redacted>',
    ],
    ['tacacs-server host 10.0.0.2 key 7 0822', 'tacacs-server host 10.0.0.2 key 7 <redacted>'],
    ['key config-key password-encrypt Master1', 'key config-key password-encrypt <redacted>'],
    ['service password-encryption', 'service password-encryption'],
    ['crypto key generate rsa', 'crypto key generate rsa'],
    ['password manager user-name "m" sha1 "abc"', 'password manager user-name "m" sha1 <redacted>'],
  ])('%s', (line, redacted) => {
    expect(redactRunningConfig(line)).toBe(redacted);
  });

  it('is idempotent', () => {
    const once = redactRunningConfig(read('ios-legacy', 'running-config.txt'));
    expect(redactRunningConfig(once)).toBe(once);
  });
});
