/**
 * What `pulumi up` and `pulumi destroy` do with one router's plan, driven through the real dynamic
 * providers (check, create, diff, read, update, delete) in dependency order, without the engine: for the
 * tests that apply declarations to the RouterOS test server on every version and board.
 */
import type { DesiredObject, RouterPlan } from '../../../intent/types.ts';
import { routerOsFirewallProvider } from '../../../stacks/providers/routeros-firewall.dynamic.ts';
import { routerOsObjectProvider } from '../../../stacks/providers/routeros-object.dynamic.ts';
import type {
  FirewallInputs,
  FirewallOutputs,
  MenuObjectInputs,
  MenuObjectOutputs,
  RouterConnection,
} from '../../../stacks/providers/routeros-ops.ts';

const objects = routerOsObjectProvider;
const firewall = routerOsFirewallProvider;

export function objectInputs(
  o: DesiredObject,
  connection: RouterConnection,
  plan: RouterPlan,
): MenuObjectInputs {
  // Stand-in values for the declaration's secret references.
  const props = Object.fromEntries(
    Object.entries(o.props).map(([k, v]) => [k, v.replace(/\{\{secret:[^}]+\}\}/g, 'test-secret-value')]),
  );
  return {
    connection,
    menu: o.menu,
    mode: o.mode,
    key: o.key,
    props,
    ...(o.secretProps ? { secretProps: o.secretProps } : {}),
    ...(o.atLeast ? { atLeast: o.atLeast } : {}),
    ...(o.guard ? { guard: true } : {}),
    requires: plan.requires,
    ...(plan.assumes.length > 0 ? { assumes: plan.assumes } : {}),
  };
}

export interface AppliedPlan {
  objects: Map<string, { id: string; outs: MenuObjectOutputs; inputs: MenuObjectInputs }>;
  firewall?: { id: string; outs: FirewallOutputs; inputs: FirewallInputs };
}

/** `pulumi up` on a fresh stack: check then create, in the plan's (dependency) order. */
export async function applyPlan(plan: RouterPlan, connection: RouterConnection): Promise<AppliedPlan> {
  const applied: AppliedPlan = { objects: new Map() };
  for (const o of plan.objects) {
    const checked = await objects.check!({} as MenuObjectInputs, objectInputs(o, connection, plan));
    if (checked.failures && checked.failures.length > 0)
      throw new Error(`${o.role}: ${JSON.stringify(checked.failures)}`);
    const created = await objects.create(checked.inputs!);
    applied.objects.set(o.role, { id: created.id, outs: created.outs!, inputs: checked.inputs! });
  }
  const fwInputs: FirewallInputs = {
    connection,
    rules: plan.firewall,
    requires: plan.requires,
    ...(plan.assumes.length > 0 ? { assumes: plan.assumes } : {}),
  };
  const fw = await firewall.create(fwInputs);
  applied.firewall = { id: fw.id, outs: fw.outs!, inputs: fwInputs };
  return applied;
}

/** A second `pulumi up --refresh`: read back, diff, update; returns the roles that still differed. */
export async function reapply(applied: AppliedPlan): Promise<string[]> {
  const differed: string[] = [];
  for (const [role, a] of applied.objects) {
    const read = await objects.read!(a.id, a.outs);
    if ((await objects.diff!(a.id, read.props!, a.inputs)).changes) {
      differed.push(role);
      await objects.update!(a.id, read.props!, a.inputs);
    }
  }
  const f = applied.firewall;
  if (f !== undefined) {
    const read = await firewall.read!(f.id, f.outs);
    if ((await firewall.diff!(f.id, read.props!, f.inputs)).changes) {
      differed.push('firewall');
      await firewall.update!(f.id, read.props!, f.inputs);
    }
  }
  return differed;
}

/** `pulumi destroy`: delete in reverse dependency order, the firewall first. */
export async function destroyPlan(applied: AppliedPlan): Promise<void> {
  if (applied.firewall) await firewall.delete!(applied.firewall.id, applied.firewall.outs);
  for (const [, a] of [...applied.objects].reverse()) await objects.delete!(a.id, a.outs);
}
