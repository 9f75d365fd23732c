/**
 * The checks' view of IPv4 ranges: the same implementation the zone compiler uses (intent/ip.ts),
 * so the audit and `pulumi up` never disagree about which network an address belongs to.
 */
export {
  type Ipv4Range as Interval,
  parseRange,
  rangeContains as contains,
  rangesOverlap as overlaps,
  PRIVATE_RANGES,
  isPrivate,
  inSubnet,
} from '../../intent/ip.ts';
