import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawSession, type RawSession } from './support/routeros/raw.ts';
import { DEFAULT_USERS, startRouterOsServer, type RouterOsServer } from './support/routeros/server.ts';

// The test server on the wire: what every RouterOS client relies on. The client-level behaviour is in
// routeros-client.test.ts; librouteros's view is in routeros-librouteros.test.ts.
const [AUDITOR, WRITER] = DEFAULT_USERS as [(typeof DEFAULT_USERS)[0], (typeof DEFAULT_USERS)[0]];

async function login(server: RouterOsServer, user = WRITER): Promise<RawSession> {
  const s = await rawSession(server.port);
  s.send('/login', `=name=${user.name}`, `=password=${user.password}`);
  expect(await s.next()).toEqual(['!done']);
  return s;
}

const attrs = (sentence: string[]): Record<string, string> =>
  Object.fromEntries(
    sentence
      .filter((w) => w.startsWith('='))
      .map((w) => [w.slice(1, w.indexOf('=', 1)), w.slice(w.indexOf('=', 1) + 1)]),
  );

describe('the RouterOS API test server on the wire', () => {
  let server: RouterOsServer;
  const open: RawSession[] = [];
  beforeAll(async () => {
    server = await startRouterOsServer({ fixture: 'good' });
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    server.setFault(null);
  });
  afterAll(async () => server.close());
  const session = async (user = WRITER): Promise<RawSession> => {
    const s = await login(server, user);
    open.push(s);
    return s;
  };

  it('closes the connection after a wrong password, answering !trap then !done', async () => {
    const s = await rawSession(server.port);
    s.send('/login', '=name=auditor', '=password=wrong', '.tag=7');
    expect(await s.next()).toEqual(['!trap', '=message=invalid user name or password (6)', '.tag=7']);
    expect(await s.next()).toEqual(['!done', '.tag=7']);
    await s.closed;
    expect(server.logins.at(-1)).toEqual({ user: 'auditor', ok: false });
  });

  it('answers nothing but /login before a login', async () => {
    const s = await rawSession(server.port);
    open.push(s);
    s.send('/system/identity/print');
    expect(await s.untilDone()).toEqual([['!trap', '=message=not logged in'], ['!done']]);
  });

  it('echoes .tag on every reply sentence, and none when the command had none', async () => {
    const s = await session();
    s.send('/ip/pool/print', '.tag=p1');
    const tagged = await s.untilDone();
    expect(tagged.length).toBe(5);
    for (const sentence of tagged) expect(sentence.at(-1)).toBe('.tag=p1');
    s.send('/ip/pool/print');
    for (const sentence of await s.untilDone())
      expect(sentence.some((w) => w.startsWith('.tag='))).toBe(false);
  });

  it('prints only the .proplist asked for, filtered by a query, and counts with count-only', async () => {
    const s = await session();
    s.send(
      '/interface/print',
      '=.proplist=name,type',
      '?type=vlan',
      '?name=GUEST',
      '?name=STAFF',
      '?#|',
      '?#&',
    );
    expect(await s.untilDone()).toEqual([
      ['!re', '=name=STAFF', '=type=vlan'],
      ['!re', '=name=GUEST', '=type=vlan'],
      ['!done'],
    ]);
    s.send('/interface/getall', '=count-only=', '?type=ether');
    expect(await s.untilDone()).toEqual([['!done', '=ret=5']]);
  });

  it('prints singletons without .id and never prints write-only secrets', async () => {
    const s = await session();
    s.send('/ip/dns/print');
    const [dns] = await s.untilDone();
    expect(dns?.[0]).toBe('!re');
    expect(attrs(dns ?? []).servers).toBe('10.40.0.53');
    expect(dns?.some((w) => w.startsWith('=.id='))).toBe(false);
    s.send('/interface/wifi/security/print', '?name=sec-guest');
    const [guest] = await s.untilDone();
    expect(attrs(guest ?? [])['authentication-types']).toBe('wpa2-psk');
    expect(guest?.some((w) => w.startsWith('=passphrase='))).toBe(false);
  });

  it('sends !empty before !done for an empty result on RouterOS 7.18, and not on 7.12', async () => {
    const s = await session();
    s.send('/ip/pool/print', '?name=none', '.tag=e');
    expect(await s.untilDone()).toEqual([
      ['!empty', '.tag=e'],
      ['!done', '.tag=e'],
    ]);
    const old = await startRouterOsServer({ fixture: 'demo' });
    try {
      const d = await login(old);
      d.send('/ip/pool/print', '?name=none', '.tag=e');
      expect(await d.untilDone()).toEqual([['!done', '.tag=e']]);
      d.close();
    } finally {
      await old.close();
    }
  });

  it('returns =ret= on add and supports set, move, enable/disable, comment, unset and remove', async () => {
    const s = await session();
    s.send(
      '/ip/firewall/filter/add',
      '=chain=forward',
      '=action=drop',
      '=src-address=192.0.2.0/24',
      '=comment=test rule',
    );
    const [added] = await s.untilDone();
    const id = attrs(added ?? []).ret as string;
    expect(id).toMatch(/^\*[0-9A-F]+$/);
    const firstId = server.config.menus['/ip/firewall/filter']?.[0]?.['.id'] as string;
    s.send('/ip/firewall/filter/move', `=numbers=${id}`, `=destination=${firstId}`);
    expect(await s.untilDone()).toEqual([['!done']]);
    s.send('/ip/firewall/filter/print', '=.proplist=.id');
    const first = (await s.untilDone())[0];
    expect(first).toEqual(['!re', `=.id=${id}`]);
    s.send('/ip/firewall/filter/disable', `=numbers=${id}`);
    await s.untilDone();
    s.send('/ip/firewall/filter/comment', `=numbers=${id}`, '=comment=renamed');
    await s.untilDone();
    s.send('/ip/firewall/filter/unset', `=numbers=${id}`, '=value-name=src-address');
    await s.untilDone();
    s.send('/ip/firewall/filter/set', `=.id=${id}`, '=dst-port=853', '=protocol=tcp');
    await s.untilDone();
    s.send('/ip/firewall/filter/print', `?.id=${id}`);
    const row = attrs((await s.untilDone())[0] ?? []);
    expect(row).toMatchObject({ disabled: 'true', comment: 'renamed', 'dst-port': '853', protocol: 'tcp' });
    expect(row['src-address']).toBeUndefined();
    s.send('/ip/firewall/filter/remove', `=.id=${id}`);
    await s.untilDone();
    expect(server.config.menus['/ip/firewall/filter']?.some((r) => r['.id'] === id)).toBe(false);
    const mine = server.writes.filter(
      (w) => w.args['.id'] === id || w.args.numbers === id || w.args.comment === 'test rule',
    );
    expect(mine.map((w) => w.command.split('/').pop())).toEqual([
      'add',
      'move',
      'disable',
      'comment',
      'unset',
      'set',
      'remove',
    ]);
    expect(mine.every((w) => w.ok && w.user === 'provisioner')).toBe(true);
  });

  it('refuses what RouterOS refuses, with the trap category, and records refused writes', async () => {
    const s = await session();
    const cases: [string[], string, string][] = [
      [['/ip/nothing/print'], 'no such command prefix', '0'],
      [['/ip/address/frobnicate'], 'no such command', '0'],
      [['/ip/address/set', '=.id=*FFFF', '=comment=x'], 'no such item', '0'],
      [['/ip/address/add', '=address=192.0.2.1/24'], 'missing value(s) of argument(s) interface', '1'],
      [
        ['/ip/address/add', '=address=192.0.2.1/24', '=interface=nope'],
        'input does not match any value of interface',
        '1',
      ],
      [
        ['/interface/vlan/add', '=name=STAFF', '=vlan-id=11', '=interface=bridge1'],
        'failure: already have interface with such name',
        '4',
      ],
      [
        ['/interface/vlan/add', '=name=X', '=vlan-id=5000', '=interface=bridge1'],
        'value of vlan-id out of range (1..4094)',
        '1',
      ],
      [
        ['/ip/address/add', '=address=192.0.2.1/24', '=interface=STAFF', '=colour=red'],
        'unknown parameter colour',
        '1',
      ],
      [['/system/resource/set', '=version=9'], 'no such command', '0'],
      [['/ip/service/add', '=name=gopher'], 'no such command', '0'],
    ];
    for (const [words, message, category] of cases) {
      s.send(...words);
      const [trap, done] = await s.untilDone();
      expect(trap?.[0]).toBe('!trap');
      expect(attrs(trap ?? [])).toEqual({ category, message });
      expect(done).toEqual(['!done']);
    }
    expect(server.writes.filter((w) => !w.ok).length).toBeGreaterThanOrEqual(6);
  });

  it('lets read-only users print but not write', async () => {
    const s = await session(AUDITOR);
    const before = server.writes.length;
    s.send('/system/identity/set', '=name=hacked');
    expect(await s.untilDone()).toEqual([['!trap', '=message=not enough permissions (9)'], ['!done']]);
    expect(server.writes.slice(before)).toMatchObject([
      { command: '/system/identity/set', user: 'auditor', ok: false },
    ]);
    expect(server.config.menus['/system/identity']?.[0]?.name).toBe('core-router');
  });

  it('interrupts a running command on /cancel', async () => {
    const s = await session();
    server.setFault({ kind: 'delay', ms: 10_000 }, { command: '/ip/pool/print', times: 1 });
    s.send('/ip/pool/print', '.tag=slow');
    s.send('/cancel', '=tag=slow', '.tag=c');
    expect(await s.next()).toEqual(['!trap', '=category=2', '=message=interrupted', '.tag=slow']);
    expect(await s.next()).toEqual(['!done', '.tag=slow']);
    expect(await s.next()).toEqual(['!done', '.tag=c']);
  });

  it('ends the session with !fatal on /quit', async () => {
    const s = await session();
    s.send('/quit');
    expect(await s.next()).toEqual(['!fatal', 'session terminated on request']);
    await s.closed;
  });

  it('renames references when an interface is renamed, as RouterOS (which refers by id) shows', async () => {
    const s = await session();
    s.send('/interface/set', '=.id=GUEST', '=name=VISITORS');
    await s.untilDone();
    s.send('/ip/address/print', '=.proplist=address', '?interface=VISITORS');
    expect(await s.untilDone()).toEqual([['!re', '=address=10.30.0.1/24'], ['!done']]);
    s.send('/interface/set', '=.id=VISITORS', '=name=STAFF');
    expect(attrs((await s.untilDone())[0] ?? []).message).toBe(
      'failure: already have interface with such name',
    );
    s.send('/interface/set', '=.id=VISITORS', '=name=GUEST');
    await s.untilDone();
  });

  it('applies a fault only to the command and the number of times asked', async () => {
    const s = await session();
    server.setFault({ kind: 'empty' }, { command: '/ip/pool/print', times: 1 });
    s.send('/ip/pool/print');
    expect(await s.untilDone()).toEqual([['!empty'], ['!done']]);
    s.send('/ip/pool/print');
    expect((await s.untilDone()).length).toBe(5);
  });
});

describe('the test server fixtures', () => {
  it('gives RouterOS 7.12 the wifiwave2 menus and no /interface/wifi', async () => {
    const server = await startRouterOsServer({ fixture: 'demo' });
    try {
      const s = await login(server);
      s.send('/interface/wifi/print');
      expect(attrs((await s.untilDone())[0] ?? []).message).toBe('no such command prefix');
      s.send('/interface/wifiwave2/print', '=.proplist=name,configuration.ssid');
      expect((await s.untilDone()).length).toBe(4);
      s.close();
    } finally {
      await server.close();
    }
  });

  it('gives RouterOS 6.49 with the wireless package its security profiles', async () => {
    const server = await startRouterOsServer({ fixture: 'legacy' });
    try {
      const s = await login(server);
      s.send('/interface/wireless/security-profiles/print', '=.proplist=name,mode', '?default=true');
      expect(await s.untilDone()).toEqual([['!re', '=name=default', '=mode=none'], ['!done']]);
      s.close();
    } finally {
      await server.close();
    }
  });

  it('refuses a fixture with a menu its RouterOS version does not have', async () => {
    const config = {
      menus: {
        '/system/resource': [{ version: '7.12 (stable)' }],
        '/interface/wifi': [{ name: 'wifi1' }],
      },
    };
    await expect(startRouterOsServer({ fixture: config })).rejects.toThrow(
      /\/interface\/wifi does not exist on RouterOS 7\.12/,
    );
    await expect(startRouterOsServer({ fixture: { menus: { '/ip/nothing': [] } } })).rejects.toThrow(
      /unknown menu \/ip\/nothing/,
    );
    await expect(startRouterOsServer({ fixture: 'no-such-fixture' })).rejects.toThrow(/cannot read/);
  });

  it('keeps each server its own copy of the fixture', async () => {
    const a = await startRouterOsServer({ fixture: 'good' });
    const b = await startRouterOsServer({ fixture: 'good' });
    try {
      (a.config.menus['/system/identity'] as { name: string }[])[0]!.name = 'changed';
      expect(b.config.menus['/system/identity']?.[0]?.name).toBe('core-router');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
