/**
 * Where a check's facts come from, and what it says when they are missing. A check whose facts were
 * not collected returns `error` naming the device and the cause, never `pass`; a check about
 * something the school does not declare (no directory, no switch CLI) is `not_applicable`.
 */
import type {
  Collected,
  DirectoryFacts,
  RouterFacts,
  SchoolFacts,
  SwitchFacts,
  SwitchManagement,
} from '../../devices/facts.ts';
import type { RosterFacts } from '../../inventory/facts.ts';
import type { Device } from '../../inventory/types.ts';
import type { CheckContext, CheckResult } from '../types.ts';
import { error, notApplicable } from './results.ts';

export type Gate<T> = { ok: true; value: T } | { ok: false; results: CheckResult[] };

/** The error result for a device whose collection failed. */
export function collectionError(failed: Extract<Collected<unknown>, { ok: false }>): CheckResult {
  const hint = failed.error.hint ? ` ${failed.error.hint}` : '';
  return error(
    `${failed.device} could not be read (${failed.error.code}: ${failed.error.message}), so this could not be judged.${hint}`,
    { source: failed.device, expected: 'facts collected', actual: failed.error.code },
  );
}

export function directoryFacts(facts: SchoolFacts, ctx: CheckContext): Gate<DirectoryFacts> {
  const d = facts.directory;
  if (d === undefined) {
    if (ctx.decl.directory === undefined) {
      return {
        ok: false,
        results: [notApplicable('The school declares no directory.', { source: 'directory' })],
      };
    }
    return {
      ok: false,
      results: [
        error(
          'The directory was not collected in this run, so accounts and password rules could not be judged.',
          {
            source: 'directory',
            expected: 'directory facts',
            actual: 'not collected',
          },
        ),
      ],
    };
  }
  if (!d.ok) return { ok: false, results: [collectionError(d)] };
  return { ok: true, value: d.facts };
}

export function rosterFacts(facts: SchoolFacts, ctx: CheckContext): Gate<RosterFacts> {
  if (facts.roster !== undefined) return { ok: true, value: facts.roster };
  if (ctx.decl.lifecycle === undefined) {
    return {
      ok: false,
      results: [
        notApplicable('The school declares no staff and pupil roster (lifecycle).', { source: 'roster' }),
      ],
    };
  }
  return {
    ok: false,
    results: [
      error(
        `The roster ${ctx.decl.lifecycle.roster.file} was not read in this run, so accounts could not be matched to people.`,
        {
          source: 'roster',
          object: ctx.decl.lifecycle.roster.file,
          expected: 'roster read',
          actual: 'not read',
        },
      ),
    ],
  };
}

/** One error per unreadable roster row (`file:line: message`). */
export function rosterProblemResults(roster: RosterFacts): CheckResult[] {
  return (roster.problems ?? []).map((p) =>
    error(`Roster row ${p}. It was not checked: correct the MIS export and check again.`, {
      source: 'roster',
      object: p.replace(/^(.*?:\d+):.*$/s, '$1'),
      expected: 'a readable row',
      actual: 'not readable',
    }),
  );
}

/**
 * Both directory and roster, or the results explaining why not. A roster with unreadable rows stops
 * the check (its answer would silently leave people out) unless `partial` says the check judges the
 * good rows and reports the bad ones itself (`rosterProblemResults`).
 */
export function directoryAndRoster(
  facts: SchoolFacts,
  ctx: CheckContext,
  opts: { partial?: boolean } = {},
): Gate<{ dir: DirectoryFacts; roster: RosterFacts }> {
  const dir = directoryFacts(facts, ctx);
  if (!dir.ok) return dir;
  const roster = rosterFacts(facts, ctx);
  if (!roster.ok) return roster;
  if (!opts.partial && (roster.value.problems?.length ?? 0) > 0)
    return { ok: false, results: rosterProblemResults(roster.value) };
  return { ok: true, value: { dir: dir.value, roster: roster.value } };
}

export function declaredDevice(ctx: CheckContext, name: string): Device | undefined {
  return ctx.decl.devices.find((d) => d.name === name);
}

function eachCollected<T extends { device: string }>(
  collected: readonly Collected<T>[],
  declared: readonly Device[],
  what: string,
  fn: (facts: T, device: Device | undefined) => CheckResult[],
  ctx: CheckContext,
): CheckResult[] {
  const out: CheckResult[] = [];
  const seen = new Set<string>();
  for (const c of collected) {
    if (c.ok) {
      seen.add(c.facts.device);
      out.push(...fn(c.facts, declaredDevice(ctx, c.facts.device)));
    } else {
      seen.add(c.device);
      out.push(collectionError(c));
    }
  }
  // A declared device with no entry at all was never asked: that is an error, not silence.
  for (const d of declared) {
    if (!seen.has(d.name)) {
      out.push(
        error(`${d.name} was not collected in this run, so it could not be judged.`, {
          source: d.name,
          expected: 'facts collected',
          actual: 'not collected',
        }),
      );
    }
  }
  if (out.length === 0) {
    out.push(notApplicable(`The school declares no ${what}.`, { source: what }));
  }
  return out;
}

/** Runs `fn` over every router; failed or missing routers become `error` results. */
export function forEachRouter(
  facts: SchoolFacts,
  ctx: CheckContext,
  fn: (router: RouterFacts, device: Device | undefined) => CheckResult[],
): CheckResult[] {
  const declared = ctx.decl.devices.filter((d) => d.kind === 'router' && d.driver === 'routeros');
  return eachCollected(facts.routers, declared, 'router', fn, ctx);
}

/** Runs `fn` over every SNMP switch; failed or missing switches become `error` results. */
export function forEachSwitch(
  facts: SchoolFacts,
  ctx: CheckContext,
  fn: (sw: SwitchFacts, device: Device | undefined) => CheckResult[],
): CheckResult[] {
  const declared = ctx.decl.devices.filter((d) => d.kind === 'switch' && d.driver === 'snmp');
  const snmpOnly = facts.switches.filter((c) => {
    const name = c.ok ? c.facts.device : c.device;
    return declaredDevice(ctx, name)?.driver !== 'ssh-cli';
  });
  return eachCollected(snmpOnly, declared, 'switch', fn, ctx);
}

/**
 * Runs `fn` over every switch management (CLI) fact set. The engine may hand these over either as a
 * `switches` entry named after the `ssh-cli` device, or merged into the SNMP switch's `management`
 * with the same host; both are accepted.
 */
export function forEachSwitchCli(
  facts: SchoolFacts,
  ctx: CheckContext,
  fn: (mgmt: SwitchManagement, device: string) => CheckResult[],
): CheckResult[] {
  const out: CheckResult[] = [];
  const used = new Set<SwitchFacts>();
  const cliDevices = ctx.decl.devices.filter((d) => d.driver === 'ssh-cli');
  for (const d of cliDevices) {
    const own = facts.switches.find((c) => (c.ok ? c.facts.device : c.device) === d.name);
    if (own !== undefined && !own.ok) {
      out.push(collectionError(own));
      continue;
    }
    const sw =
      own?.ok === true && own.facts.management !== undefined
        ? own.facts
        : facts.switches
            .filter((c): c is Extract<Collected<SwitchFacts>, { ok: true }> => c.ok)
            .map((c) => c.facts)
            .find((f) => f.management !== undefined && f.host === d.host && !used.has(f));
    if (sw?.management === undefined) {
      out.push(
        error(
          `${d.name}: the switch's management settings (CLI) were not collected, so they could not be judged.`,
          {
            source: d.name,
            expected: 'running configuration read',
            actual: 'not collected',
          },
        ),
      );
      continue;
    }
    used.add(sw);
    out.push(...fn(sw.management, d.name));
  }
  // Management facts the engine collected for a switch without a declared CLI device still count.
  for (const c of facts.switches) {
    if (c.ok && c.facts.management !== undefined && !used.has(c.facts)) {
      out.push(...fn(c.facts.management, c.facts.device));
    }
  }
  if (out.length === 0) {
    out.push(
      notApplicable('The school declares no switch command line to read management settings from.', {
        source: 'switch',
      }),
    );
  }
  return out;
}
