/**
 * A school's filtering in network namespaces, for the filtering probe test (test/probe-filtering.test.ts):
 * real Debian parts, nothing of ours on the judging side.
 *
 *   pupils ns 10.20.0.10 ─┐                 ┌─ filter ns 10.40.0.53 unbound (blocklist, SafeSearch, views
 *   staff  ns 10.10.0.10 ─┼─ router ns ─────┤             per profile), 10.40.0.3 squid (HTTP deny +
 *                         │  nftables from  │             block page, HTTPS peek-at-SNI then terminate or
 *                         │  the zone policy│             splice), intercepting what the router sends it
 *                         │  + dnsmasq DHCP └─ internet ns 198.51.100.53 unbound (outside resolver: plain
 *                         │                                DNS, DoT 853, DoH 443), 198.51.100.80 test pages
 *
 * The router (one namespace, one veth per network: this kernel has no 802.1Q) applies the nftables
 * compiled from the declaration's zone policy, hands out DHCP with dnsmasq, and policy-routes the
 * networks' web traffic (TCP 80/443 to outside addresses) to the filter, as an inline web filter on the
 * servers VLAN is wired. TLS in the lab uses its own CA, which the probes trust through probes.trustCa.
 * Needs root.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const INTERNET = new URL('./netns-internet.ts', import.meta.url).pathname;

export interface FilterLabConfig {
  /** What DHCP hands each network as its resolver. */
  dhcpDns: { pupils: string; staff: string };
  /** Names squid refuses for pupils (HTTP deny, HTTPS terminate by SNI). */
  pupilBlockedWeb: string[];
  /** Names squid refuses for everyone. */
  blockedWebAll: string[];
  /** Names the filter's DNS answers with the block address. */
  dnsBlockRedirect: string[];
  /** Names the filter's DNS answers NXDOMAIN. */
  dnsBlockNx: string[];
  /** YouTube restriction per view. */
  youtube: { pupils: 'strict' | 'moderate'; staff: 'strict' | 'moderate' };
  /** nftables for the router (the compiled zone policy). */
  routerNft: string;
}

export const LAB = {
  router: { pupils: '10.20.0.1', staff: '10.10.0.1', servers: '10.40.0.1', wan: '198.51.100.1' },
  pupils: '10.20.0.10',
  staff: '10.10.0.10',
  filterDns: '10.40.0.53',
  squid: '10.40.0.3',
  blockAddress: '10.40.0.80',
  outsideResolver: '198.51.100.53',
  web: '198.51.100.80',
  /** The "real" answers the outside resolver gives for the SafeSearch names. */
  internetNames: {
    'www.google.com': '198.51.100.100',
    'www.google.co.uk': '198.51.100.100',
    'forcesafesearch.google.com': '198.51.100.120',
    'www.bing.com': '198.51.100.101',
    'strict.bing.com': '198.51.100.121',
    'www.youtube.com': '198.51.100.102',
    'm.youtube.com': '198.51.100.102',
    'youtubei.googleapis.com': '198.51.100.102',
    'youtube.googleapis.com': '198.51.100.102',
    'www.youtube-nocookie.com': '198.51.100.102',
    'restrict.youtube.com': '198.51.100.122',
    'restrictmoderate.youtube.com': '198.51.100.123',
    'doh.outside.test': '198.51.100.53',
    'dns.outside.test': '198.51.100.53',
  } as Record<string, string>,
  /** Test names under test.lab all point at the lab's web server. */
  testZone: 'test.lab',
} as const;

const YOUTUBE = [
  'www.youtube.com',
  'm.youtube.com',
  'youtubei.googleapis.com',
  'youtube.googleapis.com',
  'www.youtube-nocookie.com',
];

export class FilterLab {
  readonly prefix: string;
  readonly dir: string;
  readonly ns: { router: string; pupils: string; staff: string; filter: string; internet: string };
  readonly caPem: string;
  private procs = new Map<string, ChildProcess>();

  private constructor(prefix: string, dir: string) {
    this.prefix = prefix;
    this.dir = dir;
    this.ns = {
      router: `${prefix}-rt`,
      pupils: `${prefix}-pup`,
      staff: `${prefix}-stf`,
      filter: `${prefix}-flt`,
      internet: `${prefix}-inet`,
    };
    this.caPem = join(dir, 'ca.pem');
  }

  static async create(prefix: string, config: FilterLabConfig): Promise<FilterLab> {
    if (process.getuid?.() !== 0)
      throw new Error('the filtering lab builds network namespaces and must run as root (it does in CI)');
    const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
    await chmod(dir, 0o755); // squid and unbound read their files after dropping to their own users
    const lab = new FilterLab(prefix, dir);
    try {
      await lab.build(config);
    } catch (e) {
      await lab.close();
      throw e;
    }
    return lab;
  }

  private async sh(...args: string[]): Promise<string> {
    const { stdout } = await run(args[0] as string, args.slice(1));
    return stdout;
  }

  private async build(config: FilterLabConfig): Promise<void> {
    const { ns } = this;
    for (const n of Object.values(ns)) {
      await this.sh('ip', 'netns', 'add', n);
      await this.sh('ip', '-n', n, 'link', 'set', 'lo', 'up');
    }
    const link = async (rIf: string, peer: string, rAddr: string, addrs: string[]): Promise<void> => {
      await this.sh(
        'ip',
        'link',
        'add',
        rIf,
        'netns',
        ns.router,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        peer,
      );
      await this.sh('ip', '-n', ns.router, 'addr', 'add', `${rAddr}/24`, 'dev', rIf);
      await this.sh('ip', '-n', ns.router, 'link', 'set', rIf, 'up');
      for (const a of addrs) await this.sh('ip', '-n', peer, 'addr', 'add', `${a}/24`, 'dev', 'eth0');
      await this.sh('ip', '-n', peer, 'link', 'set', 'eth0', 'up');
      await this.sh('ip', '-n', peer, 'route', 'add', 'default', 'via', rAddr);
    };
    await link('r-pup', ns.pupils, LAB.router.pupils, [LAB.pupils]);
    await link('r-stf', ns.staff, LAB.router.staff, [LAB.staff]);
    await link('r-srv', ns.filter, LAB.router.servers, [LAB.filterDns, LAB.squid, LAB.blockAddress]);
    await link('r-wan', ns.internet, LAB.router.wan, [LAB.outsideResolver, LAB.web]);
    await this.sh('ip', 'netns', 'exec', ns.router, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    for (const n of [ns.router, ns.filter])
      await this.sh(
        'ip',
        'netns',
        'exec',
        n,
        'sysctl',
        '-qw',
        'net.ipv4.conf.all.rp_filter=0',
        'net.ipv4.conf.default.rp_filter=0',
      );
    await this.sh('ip', 'netns', 'exec', ns.filter, 'sysctl', '-qw', 'net.ipv4.ip_forward=1');
    // Web traffic from the school's networks to outside addresses goes to the filter (table 100).
    await this.sh('ip', '-n', ns.router, 'route', 'add', 'default', 'via', LAB.squid, 'table', '100');
    await this.sh('ip', '-n', ns.router, 'rule', 'add', 'fwmark', '1', 'table', '100');
    await this.certificates();
    await this.startInternet();
    await this.applyRouter(config.routerNft);
    await this.startFilter(config);
    await this.startDhcp(config.dhcpDns);
  }

  private async certificates(): Promise<void> {
    const d = this.dir;
    await this.sh(
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=schoolnet lab CA',
      '-keyout',
      join(d, 'ca.key'),
      '-out',
      this.caPem,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    );
    await writeFile(
      join(d, 'leaf.ext'),
      `subjectAltName=DNS:*.${LAB.testZone},DNS:dns.outside.test,DNS:doh.outside.test,IP:${LAB.outsideResolver}\nextendedKeyUsage=serverAuth\n`,
    );
    await this.sh(
      'openssl',
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=lab internet',
      '-keyout',
      join(d, 'leaf.key'),
      '-out',
      join(d, 'leaf.csr'),
    );
    await this.sh(
      'openssl',
      'x509',
      '-req',
      '-in',
      join(d, 'leaf.csr'),
      '-CA',
      this.caPem,
      '-CAkey',
      join(d, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      join(d, 'leaf.ext'),
      '-out',
      join(d, 'leaf.pem'),
    );
    // Squid needs a certificate on its ssl-bump port even though it only peeks, splices and terminates.
    await this.sh(
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=lab filter',
      '-keyout',
      join(d, 'squid.key'),
      '-out',
      join(d, 'squid.pem'),
    );
    for (const f of ['leaf.key', 'squid.key']) await chmod(join(d, f), 0o644); // lab-only keys, read by unbound/squid users
  }

  private spawnIn(name: string, netns: string, cmd: string, args: string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', netns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    (child as ChildProcess & { log: () => string }).log = () => log;
    this.procs.set(name, child);
    return child;
  }

  private async stop(name: string): Promise<void> {
    const p = this.procs.get(name);
    if (!p) return;
    this.procs.delete(name);
    if (p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }

  private async waitFor(name: string, ready: () => Promise<boolean>, ms = 15_000): Promise<void> {
    const until = Date.now() + ms;
    const p = this.procs.get(name) as (ChildProcess & { log?: () => string }) | undefined;
    while (Date.now() < until) {
      if (p && (p.exitCode !== null || p.signalCode !== null))
        throw new Error(`${name} exited: ${p.log?.() ?? ''}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not start within ${ms} ms: ${p?.log?.() ?? ''}`);
  }

  private listening(netns: string, proto: 'tcp' | 'udp', port: number): () => Promise<boolean> {
    return async () => {
      const out = await this.sh(
        'ip',
        'netns',
        'exec',
        netns,
        'ss',
        proto === 'tcp' ? '-ltnH' : '-lunH',
        `sport = :${port}`,
      );
      return out.trim().length > 0;
    };
  }

  private async startInternet(): Promise<void> {
    const d = this.dir;
    const records = [
      ...Object.entries(LAB.internetNames).map(([n, a]) => `  local-data: "${n}. 60 A ${a}"`),
      `  local-zone: "${LAB.testZone}." redirect`,
      `  local-data: "${LAB.testZone}. 60 A ${LAB.web}"`,
      `  local-data: "www.example.com. 60 A ${LAB.web}"`,
    ];
    await writeFile(
      join(d, 'outside.conf'),
      [
        'server:',
        '  username: ""',
        '  chroot: ""',
        `  directory: "${d}"`,
        `  pidfile: "${join(d, 'outside.pid')}"`,
        '  use-syslog: no',
        '  logfile: ""',
        '  do-ip6: no',
        `  interface: ${LAB.outsideResolver}@53`,
        `  interface: ${LAB.outsideResolver}@853`,
        `  interface: ${LAB.outsideResolver}@443`,
        '  tls-port: 853',
        '  https-port: 443',
        `  tls-service-key: "${join(d, 'leaf.key')}"`,
        `  tls-service-pem: "${join(d, 'leaf.pem')}"`,
        '  http-endpoint: "/dns-query"',
        '  access-control: 0.0.0.0/0 allow',
        '  module-config: "iterator"',
        // The lab has no real internet: everything not named here is NXDOMAIN.
        '  local-zone: "." static',
        ...records,
        'remote-control:',
        '  control-enable: no',
        '',
      ].join('\n'),
    );
    this.spawnIn('outside-unbound', this.ns.internet, 'unbound', ['-d', '-c', join(d, 'outside.conf')]);
    await this.waitFor('outside-unbound', this.listening(this.ns.internet, 'tcp', 443));
    const web = this.spawnIn('web', this.ns.internet, process.execPath, [
      INTERNET,
      JSON.stringify({ address: LAB.web, cert: join(d, 'leaf.pem'), key: join(d, 'leaf.key') }),
    ]);
    await this.waitFor('web', async () =>
      (web as ChildProcess & { log: () => string }).log().includes('ready'),
    );
  }

  /** Apply the router's rule set: the compiled zone policy plus the mark that sends web traffic to the filter. */
  async applyRouter(zoneNft: string): Promise<void> {
    const mark = [
      'table ip lab_webfilter {',
      '  chain prerouting {',
      '    type filter hook prerouting priority mangle; policy accept;',
      '    iifname { "r-pup", "r-stf" } ip daddr != 10.0.0.0/8 tcp dport { 80, 443 } meta mark set 1',
      '  }',
      '}',
    ].join('\n');
    const file = join(this.dir, 'router.nft');
    await writeFile(file, `flush ruleset\n${zoneNft}\n${mark}\n`);
    await this.sh('ip', 'netns', 'exec', this.ns.router, 'nft', '-f', file);
  }

  private async startFilter(config: FilterLabConfig): Promise<void> {
    await this.writeFilterConfigs(config);
    const d = this.dir;
    await this.sh('ip', 'netns', 'exec', this.ns.filter, 'nft', '-f', join(d, 'filter.nft'));
    this.spawnIn('filter-unbound', this.ns.filter, 'unbound', ['-d', '-c', join(d, 'filter.conf')]);
    await this.waitFor('filter-unbound', this.listening(this.ns.filter, 'udp', 53));
    this.spawnIn('squid', this.ns.filter, 'squid', ['-N', '-f', join(d, 'squid.conf')]);
    await this.waitFor('squid', this.listening(this.ns.filter, 'tcp', 3130), 30_000);
  }

  private async writeFilterConfigs(config: FilterLabConfig): Promise<void> {
    const d = this.dir;
    const yt = (level: 'strict' | 'moderate') =>
      level === 'strict' ? 'restrict.youtube.com' : 'restrictmoderate.youtube.com';
    const view = (name: string, level: 'strict' | 'moderate') => [
      'view:',
      `  name: "${name}"`,
      '  view-first: yes',
      ...YOUTUBE.flatMap((n) => [
        `  local-zone: "${n}." redirect`,
        `  local-data: "${n}. 60 CNAME ${yt(level)}."`,
      ]),
    ];
    await writeFile(
      join(d, 'filter.conf'),
      [
        'server:',
        '  username: ""',
        '  chroot: ""',
        `  directory: "${d}"`,
        `  pidfile: "${join(d, 'filter.pid')}"`,
        '  use-syslog: no',
        '  logfile: ""',
        '  do-ip6: no',
        `  interface: ${LAB.filterDns}`,
        '  access-control: 10.0.0.0/8 allow',
        '  access-control-view: 10.20.0.0/24 pupil',
        '  access-control-view: 10.10.0.0/24 staff',
        '  module-config: "iterator"',
        '  qname-minimisation: no',
        ...config.dnsBlockRedirect.flatMap((n) => [
          `  local-zone: "${n}." redirect`,
          `  local-data: "${n}. 60 A ${LAB.blockAddress}"`,
        ]),
        ...config.dnsBlockNx.map((n) => `  local-zone: "${n}." always_nxdomain`),
        '  local-zone: "www.google.com." redirect',
        '  local-data: "www.google.com. 60 CNAME forcesafesearch.google.com."',
        '  local-zone: "www.google.co.uk." redirect',
        '  local-data: "www.google.co.uk. 60 CNAME forcesafesearch.google.com."',
        '  local-zone: "www.bing.com." redirect',
        '  local-data: "www.bing.com. 60 CNAME strict.bing.com."',
        ...view('pupil', config.youtube.pupils),
        ...view('staff', config.youtube.staff),
        'forward-zone:',
        '  name: "."',
        `  forward-addr: ${LAB.outsideResolver}`,
        'remote-control:',
        '  control-enable: no',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(d, 'filter.nft'),
      [
        'flush ruleset',
        'table ip lab_intercept {',
        '  chain prerouting {',
        '    type nat hook prerouting priority dstnat; policy accept;',
        `    iifname "eth0" ip daddr != 10.40.0.0/24 tcp dport 80 dnat to ${LAB.squid}:3129`,
        `    iifname "eth0" ip daddr != 10.40.0.0/24 tcp dport 443 dnat to ${LAB.squid}:3130`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const errors = join(d, 'errors');
    await rm(errors, { recursive: true, force: true });
    await cp('/usr/share/squid/errors/templates', errors, { recursive: true });
    await writeFile(
      join(errors, 'ERR_SCHOOL_BLOCK'),
      '<html><head><title>Blocked</title></head><body><h1>Access to this site is blocked by the school filter</h1><p>%U</p></body></html>\n',
    );
    const logs = join(d, 'squid-logs');
    await mkdir(logs, { recursive: true });
    const { stdout: uid } = await run('id', ['-u', 'proxy']);
    const { stdout: gid } = await run('id', ['-g', 'proxy']);
    await chown(logs, Number(uid.trim()), Number(gid.trim()));
    const domains = (names: string[]) =>
      names.length ? names.map((n) => `.${n}`).join(' ') : '.none.invalid';
    await writeFile(
      join(d, 'squid.conf'),
      [
        'http_port 127.0.0.1:3128',
        `http_port ${LAB.squid}:3129 intercept`,
        `https_port ${LAB.squid}:3130 intercept ssl-bump tls-cert=${join(d, 'squid.pem')} tls-key=${join(d, 'squid.key')} generate-host-certificates=off`,
        `dns_nameservers ${LAB.filterDns}`,
        'acl pupils src 10.20.0.0/24',
        'acl school src 10.0.0.0/8',
        `acl pupil_blocked dstdomain ${domains(config.pupilBlockedWeb)}`,
        `acl all_blocked dstdomain ${domains(config.blockedWebAll)}`,
        `acl pupil_blocked_sni ssl::server_name ${domains(config.pupilBlockedWeb)}`,
        `acl all_blocked_sni ssl::server_name ${domains([...config.blockedWebAll, 'doh.outside.test'])}`,
        'acl executables urlpath_regex -i \\.exe$',
        'acl step1 at_step SslBump1',
        'ssl_bump peek step1',
        'ssl_bump terminate pupils pupil_blocked_sni',
        'ssl_bump terminate all_blocked_sni',
        'ssl_bump splice all',
        'deny_info ERR_SCHOOL_BLOCK pupil_blocked',
        'deny_info ERR_SCHOOL_BLOCK all_blocked',
        'deny_info ERR_SCHOOL_BLOCK executables',
        'http_access deny pupils pupil_blocked',
        'http_access deny all_blocked',
        'http_access deny executables',
        'http_access allow school',
        'http_access deny all',
        `error_directory ${errors}`,
        'cache deny all',
        'cache_mem 8 MB',
        'access_log none',
        `cache_log ${join(logs, 'cache.log')}`,
        `pid_filename ${join(logs, 'squid.pid')}`,
        `coredump_dir ${logs}`,
        'shutdown_lifetime 0 seconds',
        '',
      ].join('\n'),
    );
  }

  /** Replace the filter's configuration (unbound and squid restarted with it). */
  async reconfigureFilter(config: FilterLabConfig): Promise<void> {
    await this.stop('squid');
    await this.stop('filter-unbound');
    await this.startFilter(config);
  }

  async startDhcp(dns: { pupils: string; staff: string }): Promise<void> {
    await this.stop('dnsmasq');
    const d = this.dir;
    this.spawnIn('dnsmasq', this.ns.router, 'dnsmasq', [
      '-k',
      '--port=0',
      '--bind-interfaces',
      '--interface=r-pup',
      '--interface=r-stf',
      '--user=root',
      `--dhcp-leasefile=${join(d, 'leases')}`,
      `--pid-file=${join(d, 'dnsmasq.pid')}`,
      '--dhcp-range=set:pup,10.20.0.100,10.20.0.200,255.255.255.0,10m',
      '--dhcp-range=set:stf,10.10.0.100,10.10.0.200,255.255.255.0,10m',
      `--dhcp-option=tag:pup,6,${dns.pupils}`,
      `--dhcp-option=tag:stf,6,${dns.staff}`,
      '--log-facility=-',
      '--log-dhcp',
    ]);
    await this.waitFor('dnsmasq', this.listening(this.ns.router, 'udp', 67));
  }

  /** The DHCP leases dnsmasq holds: the probes must never take one. */
  async leases(): Promise<string> {
    return readFile(join(this.dir, 'leases'), 'utf8').catch(() => '');
  }

  async close(): Promise<void> {
    for (const name of [...this.procs.keys()]) await this.stop(name);
    for (const n of Object.values(this.ns)) await run('ip', ['netns', 'del', n]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
