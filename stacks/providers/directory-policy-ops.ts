/**
 * What the password-policy provider does (kept out of the provider object, which loads this module
 * inside each method; see directory-password-policy.ts). Three places a policy lives:
 * - `ad-domain`: the AD domain head (minPwdLength, pwdProperties, ...). It always exists: create and
 *   update write it, delete only forgets it.
 * - `ad-fgpp`: a fine-grained password settings object under the Password Settings Container.
 * - `ppolicy`: an OpenLDAP pwdPolicy entry (the default policy or one named by pwdPolicySubentry).
 * An FGPP or ppolicy entry schoolnet created is removed on delete; one that already existed is adopted
 * (made to match) and only forgotten. Only attributes that differ are written, so applying the same
 * policy twice writes nothing.
 */
import type { DirectoryWriter, Modification } from '../../devices/ldap/client.ts';
import { childDn, firstRdnValue, isUnder, parentDn, parseDn } from '../../devices/ldap/dn.ts';
import { and, eq, or } from '../../devices/ldap/filter.ts';
import {
  AD_DOMAIN_POLICY_ATTRS,
  adDomainPolicy,
  adDomainPolicyChanges,
  FGPP_ATTRS,
  fgppAttributes,
  fgppPolicy,
  pickPolicy,
  type PolicyValues,
  policyDifferences,
  policyProblems,
  ppolicy,
  PPOLICY_ATTRS,
  ppolicyAttributes,
  psoContainer,
  replaceAll,
} from '../../devices/ldap/policy.ts';
import { int, type RawEntry, texts } from '../../devices/ldap/values.ts';
import {
  connectionProblems,
  type DirectoryConnectionInputs,
  entryExists,
  type Failure,
  sameConnection,
  withWriter,
} from './directory-connection.ts';

import type { PolicyTarget } from '../../intent/directory.ts';

export type { PolicyTarget };

export interface PasswordPolicyInputs {
  connection: DirectoryConnectionInputs;
  target: PolicyTarget;
  /** ad-fgpp: the PSO's name (its CN). */
  name?: string;
  /** ppolicy: the pwdPolicy entry's DN. */
  dn?: string;
  /** ad-fgpp: lower wins. */
  precedence?: number;
  /** ad-fgpp: groups (CNs or DNs) the policy applies to. */
  appliesTo?: string[];
  policy: PolicyValues;
}

export interface PasswordPolicyOutputs extends PasswordPolicyInputs {
  /** The entry holding the policy. */
  entryDn: string;
  /** schoolnet created the entry (delete removes it); false = it existed and is adopted. */
  created: boolean;
}

function entryDnOf(i: PasswordPolicyInputs): string {
  if (i.target === 'ad-domain') return i.connection.baseDn;
  if (i.target === 'ad-fgpp') return childDn('CN', i.name ?? '', psoContainer(i.connection.baseDn));
  return i.dn ?? '';
}

export function policyId(i: PasswordPolicyInputs): string {
  return `${i.target}:${entryDnOf(i)}`;
}

const cnKey = (g: string) => firstRdnValue(g).normalize('NFC').toLowerCase();

async function groupDn(w: DirectoryWriter, baseDn: string, g: string): Promise<string | undefined> {
  if (/^[A-Za-z][A-Za-z0-9-]*=.+,/.test(g)) return (await entryExists(w, g)) ? g : undefined;
  const found = await w.search({
    base: baseDn,
    filter: and(or(eq('objectClass', 'group'), eq('objectClass', 'groupOfNames')), eq('cn', g)),
    attributes: ['1.1'],
  });
  return found.length === 1 ? found[0]?.dn : undefined;
}

// ---------------------------------------------------------------- check and diff

/** Refuses bad input before anything is written; looks up the groups and parents it names. */
export async function checkPolicy(
  news: PasswordPolicyInputs,
): Promise<{ inputs: PasswordPolicyInputs; failures: Failure[] }> {
  const failures: Failure[] = [...connectionProblems(news.connection)];
  if (!['ad-domain', 'ad-fgpp', 'ppolicy'].includes(news.target))
    failures.push({
      property: 'target',
      reason: `must be ad-domain, ad-fgpp or ppolicy (got ${news.target})`,
    });
  const kind = news.target === 'ppolicy' ? 'openldap' : 'ad';
  if (news.connection?.kind && news.connection.kind !== kind)
    failures.push({
      property: 'target',
      reason: `${news.target} needs a ${kind} directory, not ${news.connection.kind}`,
    });
  failures.push(
    ...policyProblems(news.policy ?? {}, 'policy').map((reason) => ({ property: 'policy', reason })),
  );
  if (news.target === 'ad-fgpp') {
    // eslint-disable-next-line no-control-regex
    if (!news.name || news.name.length > 64 || /[\u0000-\u001f,=+<>#;\\"]/.test(news.name))
      failures.push({
        property: 'name',
        reason: 'a fine-grained policy needs a plain name of up to 64 characters',
      });
    if (!Number.isInteger(news.precedence) || (news.precedence ?? 0) < 1)
      failures.push({ property: 'precedence', reason: 'a whole number of at least 1 (lower wins)' });
  }
  if (news.target === 'ppolicy') {
    let ok: boolean;
    try {
      ok = !!news.dn && parseDn(news.dn).length > 1 && isUnder(news.dn, news.connection?.baseDn ?? '');
    } catch {
      ok = false;
    }
    if (!ok)
      failures.push({
        property: 'dn',
        reason: `the policy entry's DN must lie under the base DN (got ${news.dn})`,
      });
  }
  if (failures.length > 0) return { inputs: news, failures };
  // What the policy refers to must exist: found now, not half-way through a write.
  try {
    await withWriter(news.connection, async (w) => {
      if (news.target === 'ad-fgpp')
        for (const [n, g] of (news.appliesTo ?? []).entries())
          if (!(await groupDn(w, news.connection.baseDn, g)))
            failures.push({
              property: `appliesTo[${n}]`,
              reason: `group ${g} not found under ${news.connection.baseDn}`,
            });
      if (news.target === 'ppolicy' && !(await entryExists(w, parentDn(news.dn ?? ''))))
        failures.push({ property: 'dn', reason: `the parent of ${news.dn} does not exist` });
      if (news.target === 'ad-domain' && !(await entryExists(w, news.connection.baseDn)))
        failures.push({ property: 'connection.baseDn', reason: `${news.connection.baseDn} does not exist` });
    });
  } catch (e) {
    failures.push({
      property: 'connection',
      reason: `cannot reach the directory to check the input: ${(e as Error).message}`,
    });
  }
  return { inputs: news, failures };
}

function sameGroups(a: string[] | undefined, b: string[] | undefined): boolean {
  const x = (a ?? []).map(cnKey).sort();
  const y = (b ?? []).map(cnKey).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The fields whose declared value differs from the last applied or read one (`policy.minLength`...). */
export function changedFields(olds: PasswordPolicyOutputs, news: PasswordPolicyInputs): string[] {
  const out = policyDifferences(olds.policy, news.policy).map((f) => `policy.${f}`);
  if (news.target === 'ad-fgpp') {
    if (olds.precedence !== news.precedence) out.push('precedence');
    if (!sameGroups(olds.appliesTo, news.appliesTo)) out.push('appliesTo');
  }
  if (!sameConnection(olds.connection, news.connection)) out.push('connection');
  return out;
}

export function diffPolicy(
  olds: PasswordPolicyOutputs,
  news: PasswordPolicyInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  if (olds.target !== news.target) replaces.push('target');
  if (entryDnOf(olds) !== entryDnOf(news)) replaces.push(news.target === 'ppolicy' ? 'dn' : 'name');
  if (olds.connection?.baseDn !== news.connection.baseDn || olds.connection?.kind !== news.connection.kind)
    replaces.push('connection');
  const changes = replaces.length > 0 || changedFields(olds, news).length > 0;
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

// ---------------------------------------------------------------- reading

interface Live {
  exists: boolean;
  policy?: PolicyValues;
  precedence?: number;
  appliesTo?: string[];
  raw?: RawEntry;
}

async function readLive(w: DirectoryWriter, i: PasswordPolicyInputs): Promise<Live> {
  const dn = entryDnOf(i);
  const attrs =
    i.target === 'ad-domain' ? AD_DOMAIN_POLICY_ATTRS : i.target === 'ad-fgpp' ? FGPP_ATTRS : PPOLICY_ATTRS;
  let found: RawEntry[];
  try {
    found = await w.search({ base: dn, scope: 'base', attributes: attrs, pageSize: 0 });
  } catch (e) {
    if ((e as { code?: string }).code === 'E-NOTFOUND') return { exists: false };
    throw e;
  }
  const raw = found[0];
  if (!raw) return { exists: false };
  if (i.target === 'ad-domain') return { exists: true, policy: adDomainPolicy(raw), raw };
  if (i.target === 'ppolicy') return { exists: true, policy: ppolicy(raw), raw };
  const f = fgppPolicy(raw);
  return { exists: true, policy: pickPolicy(f), precedence: f.precedence, appliesTo: f.appliesTo, raw };
}

/** Keep the declared spelling of the groups when the directory holds the same ones. */
function appliesToOut(declared: string[] | undefined, live: string[] | undefined): string[] {
  return sameGroups(declared, live) ? [...(declared ?? [])] : (live ?? []).map(firstRdnValue);
}

function outputs(i: PasswordPolicyInputs, live: Live, created: boolean): PasswordPolicyOutputs {
  const out: PasswordPolicyOutputs = {
    ...i,
    entryDn: entryDnOf(i),
    created,
    policy: live.policy ?? i.policy,
  };
  if (i.target === 'ad-fgpp') {
    if (live.precedence !== undefined) out.precedence = live.precedence;
    out.appliesTo = appliesToOut(i.appliesTo, live.appliesTo);
  }
  return out;
}

// ---------------------------------------------------------------- writing

/** Replace only the attributes whose value differs from what the entry holds. */
function onlyDifferent(raw: RawEntry, changes: Modification[]): Modification[] {
  return changes.filter((c) => {
    const live = texts(raw, c.attribute);
    const want = c.values.map(String);
    return live.length !== want.length || want.some((v) => !live.includes(v));
  });
}

async function converge(
  w: DirectoryWriter,
  i: PasswordPolicyInputs,
  created: boolean,
): Promise<PasswordPolicyOutputs> {
  const dn = entryDnOf(i);
  let live = await readLive(w, i);
  let made = created;
  if (i.target === 'ad-domain') {
    if (!live.raw) throw new Error(`the domain head ${dn} cannot be read`);
    const changes = onlyDifferent(
      live.raw,
      adDomainPolicyChanges(i.policy, int(live.raw, 'pwdProperties') ?? 0),
    );
    if (changes.length > 0) await w.modify(dn, changes);
  } else if (i.target === 'ad-fgpp') {
    const groups: string[] = [];
    for (const g of i.appliesTo ?? []) {
      const gdn = await groupDn(w, i.connection.baseDn, g);
      if (!gdn) throw new Error(`group ${g} not found`);
      groups.push(gdn);
    }
    const attrs = fgppAttributes(i.policy, i.precedence ?? 1, groups);
    if (!live.raw) {
      await w.add(dn, { objectClass: ['top', 'msDS-PasswordSettings'], ...attrs });
      made = true;
    } else {
      const changes = onlyDifferent(live.raw, replaceAll(attrs));
      // An emptied appliesTo list must be removed, not replaced by nothing.
      if (groups.length === 0 && texts(live.raw, 'msDS-PSOAppliesTo').length > 0)
        changes.push({ op: 'delete', attribute: 'msDS-PSOAppliesTo', values: [] });
      if (changes.length > 0) await w.modify(dn, changes);
    }
  } else {
    const quality = live.raw ? int(live.raw, 'pwdCheckQuality') : undefined;
    const attrs = ppolicyAttributes(i.policy, quality);
    if (!live.raw) {
      await w.add(dn, {
        objectClass: ['organizationalRole', 'pwdPolicy'],
        cn: parseDn(dn)[0]?.value ?? 'policy',
        pwdAttribute: 'userPassword',
        ...attrs,
      });
      made = true;
    } else {
      const changes = onlyDifferent(live.raw, replaceAll(attrs));
      if (changes.length > 0) await w.modify(dn, changes);
    }
  }
  live = await readLive(w, i);
  return outputs(i, live, made);
}

export async function createPolicy(
  i: PasswordPolicyInputs,
): Promise<{ id: string; outs: PasswordPolicyOutputs }> {
  const outs = await withWriter(i.connection, (w) => converge(w, i, false));
  return { id: policyId(i), outs };
}

export async function updatePolicy(
  olds: PasswordPolicyOutputs,
  news: PasswordPolicyInputs,
): Promise<{ outs: PasswordPolicyOutputs }> {
  return { outs: await withWriter(news.connection, (w) => converge(w, news, olds.created)) };
}

/** The policy as the directory holds it now: a hand-made change shows up here and then in diff. */
export async function readPolicy(
  id: string,
  olds: PasswordPolicyOutputs,
): Promise<{ id: string; props?: PasswordPolicyOutputs }> {
  return withWriter(olds.connection, async (w) => {
    const live = await readLive(w, olds);
    // A blank id tells the engine the entry is gone (deleted by hand).
    if (!live.exists) return { id: '' };
    return { id, props: outputs(olds, live, olds.created) };
  });
}

export async function deletePolicy(olds: PasswordPolicyOutputs): Promise<void> {
  // The domain head, and entries that existed before schoolnet, are only forgotten.
  if (olds.target === 'ad-domain' || !olds.created) return;
  await withWriter(olds.connection, async (w) => {
    if (await entryExists(w, olds.entryDn)) await w.remove(olds.entryDn);
  });
}
