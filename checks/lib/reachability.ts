/**
 * Which zones can open connections to which, judged from a RouterOS filter table: the project's one
 * implementation lives with the zone policy compiler (intent/zones*.ts, pure) so that what
 * `pulumi up` compiles, what the traffic test proves with real packets, and what the audit judges on a
 * live router are the same meaning. This module keeps the checks' import path and API.
 *
 * For every ordered pair of zones and a set of probe services (the ports the rules name, `tcp/other`,
 * `udp/other`, `icmp`, `other`), a new connection is walked through the chain in order, following
 * jumps and returns, until a rule accepts or drops it; the chain's end accepts (the RouterOS default).
 * A matcher configuration alone cannot decide (time, layer-7, an address list filled at run time...)
 * is followed both ways: a pair is reachable when any path accepts, and `uncertain` when another drops.
 */
export {
  reach,
  zoneReachability,
  type DecidingRule,
  type PairReach,
  type ReachabilityOptions,
  type ServiceReach,
  type ZoneSpec as Zone,
} from '../../intent/zones-table.ts';
