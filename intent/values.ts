/**
 * How RouterOS values compare: it prints `true` where it takes `yes`, lists come back in its own order,
 * and an empty value is simply not printed. Shared by the providers (what to write) and the drift
 * report (what differs), so both judge a router the same way.
 */
import { MANAGED_TAG, type DesiredFilterRule } from './types.ts';

const BOOLEAN: Record<string, string> = { yes: 'yes', true: 'yes', no: 'no', false: 'no' };
/** Properties whose value is an unordered list. */
const SETS = new Set([
  'tagged',
  'untagged',
  'dns-server',
  'address',
  'addresses',
  'authentication-types',
  'eap-methods',
  'service',
]);

export function normalise(key: string, value: string | undefined): string {
  const v = value ?? '';
  const b = BOOLEAN[v];
  if (b !== undefined) return b;
  if (SETS.has(key))
    return v
      .split(',')
      .filter((x) => x !== '')
      .sort()
      .join(',');
  return v;
}

export function samePropValue(key: string, a: string | undefined, b: string | undefined): boolean {
  return normalise(key, a) === normalise(key, b);
}

/** Does `actual` hold every member of the list `wanted` (more members are allowed)? */
export function includesAll(wanted: string | undefined, actual: string | undefined): boolean {
  const have = new Set((actual ?? '').split(',').filter((x) => x !== ''));
  return (wanted ?? '').split(',').every((x) => x === '' || have.has(x));
}

/** `wanted` and `actual` merged, for a list where schoolnet only adds members. */
export function union(wanted: string | undefined, actual: string | undefined): string {
  return [...new Set([...(actual ?? '').split(','), ...(wanted ?? '').split(',')].filter((x) => x !== ''))]
    .sort()
    .join(',');
}

export function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!samePropValue(k, a[k], b[k])) return false;
  return true;
}

/** `schoolnet:fwd-staff-internet-allow staff -> internet allow` -> `fwd-staff-internet-allow`; else undefined. */
export function tagOf(comment: string | undefined): string | undefined {
  if (!comment?.startsWith(MANAGED_TAG)) return undefined;
  const m = /^([A-Za-z0-9][A-Za-z0-9._#-]*)(\s|$)/.exec(comment.slice(MANAGED_TAG.length));
  return m?.[1];
}

/** Printed with every filter rule; not what the rule matches. */
const RULE_BOOKKEEPING = new Set([
  '.id',
  '.nextid',
  '.dead',
  '.about',
  'chain',
  'action',
  'comment',
  'disabled',
  'dynamic',
  'invalid',
  'bytes',
  'packets',
  'log',
  'log-prefix',
]);

/** A printed filter rule in the shape of a desired one (a disabled or logging rule shows it in `props`). */
export function ruleFromRow(row: Record<string, string>): DesiredFilterRule {
  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) if (!RULE_BOOKKEEPING.has(k) && v !== '') props[k] = v;
  if (normalise('disabled', row.disabled) === 'yes') props.disabled = 'yes';
  if (normalise('log', row.log) === 'yes') props.log = 'yes';
  return {
    id: tagOf(row.comment) ?? row['.id'] ?? '',
    chain: (row.chain ?? '') as DesiredFilterRule['chain'],
    // A rule printed without `action` has the default one (manual: Filter, "action (...; Default: accept)").
    action: (row.action ?? 'accept') as DesiredFilterRule['action'],
    props,
    comment: row.comment ?? '',
  };
}

export function sameRule(a: DesiredFilterRule, b: DesiredFilterRule): boolean {
  return (
    a.id === b.id &&
    a.chain === b.chain &&
    a.action === b.action &&
    a.comment === b.comment &&
    sameRecord(a.props, b.props)
  );
}
