/**
 * A RouterOS router's drift: the plan `pulumi up` applies (intent/router.ts) against the collectors'
 * facts, one feature file at a time. Pure: declaration and facts in, report out. Only what the facts
 * carry is compared; features the facts do not carry are listed as not compared.
 */
import type { RouterFacts } from '../../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import { planRouter } from '../router.ts';
import { addressingDrift } from './addressing.ts';
import { bridgeDrift } from './bridge.ts';
import { firewallDrift } from './firewall.ts';
import { hardeningDrift } from './hardening.ts';
import type { DeviceDrift, FeatureCompliance } from './types.ts';
import { radiusDrift, wifiDrift } from './wifi.ts';

export function routerDrift(decl: SchoolDeclaration, device: Device, facts: RouterFacts): DeviceDrift {
  const plan = planRouter(decl, device);
  const o = plan.objects;
  const features: FeatureCompliance[] = [
    ...bridgeDrift(o, device, facts),
    ...addressingDrift(decl, o, facts),
    wifiDrift(decl, device, facts),
    radiusDrift(o, facts),
    ...hardeningDrift(o, facts),
    firewallDrift(plan.firewall, facts),
  ];
  return {
    device: device.name,
    kind: 'router',
    features,
    notCompared: ['/ip/pool', '/ip/dhcp-server', 'wifi security details (passphrases, hidden SSIDs)'],
    drift: features.some((f) => !f.compliant),
  };
}
