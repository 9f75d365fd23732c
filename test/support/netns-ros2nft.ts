/**
 * A literal, rule-by-rule translation of a RouterOS `/ip/firewall/filter` table into nftables, for the
 * traffic test only. It deliberately does NOT go through the zone IR: the packets must show what the
 * RouterOS rules themselves do, so that the audit's reading of them (`readRouterRules` + `reachability`)
 * is judged against an independent truth. RouterOS chains accept what no rule drops, so the chains'
 * policy is accept. Only the matchers the compiled rules and their broken variants use are supported;
 * anything else throws rather than being silently ignored.
 */

export interface RosRule {
  chain: string;
  action: string;
  props: Record<string, string>;
  disabled?: boolean;
  comment?: string;
}

function iface(keyword: 'iifname' | 'oifname', value: string, ifaceMap: Record<string, string>): string {
  const neg = value.startsWith('!');
  const name = neg ? value.slice(1) : value;
  const mapped = ifaceMap[name];
  if (!mapped) throw new Error(`interface ${name} has no counterpart in the lab`);
  return `${keyword} ${neg ? '!= ' : ''}"${mapped}"`;
}

function translate(rule: RosRule, ifaceMap: Record<string, string>): string {
  const parts: string[] = [];
  const p = { ...rule.props };
  if (p['in-interface']) parts.push(iface('iifname', p['in-interface'], ifaceMap));
  if (p['out-interface']) parts.push(iface('oifname', p['out-interface'], ifaceMap));
  if (p['connection-state']) parts.push(`ct state ${p['connection-state']}`);
  const proto = p.protocol;
  if (proto) {
    if (!['tcp', 'udp', 'icmp'].includes(proto)) throw new Error(`protocol ${proto} is not supported here`);
    const port = p['dst-port'];
    if (port) parts.push(`${proto} dport { ${port.split(',').join(', ')} }`);
    else parts.push(`meta l4proto ${proto}`);
  } else if (p['dst-port']) throw new Error('dst-port without protocol');
  for (const k of Object.keys(p))
    if (!['in-interface', 'out-interface', 'connection-state', 'protocol', 'dst-port'].includes(k))
      throw new Error(`matcher ${k} is not supported by the lab translator`);
  const verdict = rule.action === 'accept' ? 'accept' : rule.action === 'drop' ? 'drop' : undefined;
  if (!verdict) throw new Error(`action ${rule.action} is not supported by the lab translator`);
  return [...parts, 'counter', verdict].join(' ');
}

export function routerRulesToNft(
  rules: RosRule[],
  ifaceMap: Record<string, string>,
  table = 'schoolnet',
): string {
  const chains = (['forward', 'input'] as const).map((chain) => {
    const lines = [`type filter hook ${chain} priority filter; policy accept;`];
    // The lab's SSH session reaches sshd over the router's loopback; RouterOS has no such need.
    if (chain === 'input') lines.push('iif "lo" accept');
    for (const r of rules) if (r.chain === chain && !r.disabled) lines.push(translate(r, ifaceMap));
    return `  chain ${chain} {\n${lines.map((l) => `    ${l}`).join('\n')}\n  }`;
  });
  return [
    `add table inet ${table}`,
    `delete table inet ${table}`,
    `table inet ${table} {`,
    ...chains,
    '}',
    '',
  ].join('\n');
}
