/**
 * The head's page in plain words: one sentence per finding saying what can happen, to whom, and why,
 * in the form "Guest devices can reach staff computers, because router rule 'guests -> internet' lets
 * them." Port lists, rule numbers (`*46`), check and control ids stay in the technician's section,
 * which keeps the check's own sentence. Sentences are data: a template per check where the evidence
 * says more than the catalogue, else one built from the control's title and statement.
 */
import type { Control } from '../checks/catalog/catalog.ts';
import type { Evidence, Status } from '../checks/types.ts';

/** What a sentence may use: never the check's technical reason. */
export interface PlainInput {
  checkId: string;
  status: Status;
  evidence: readonly Evidence[];
  /** The first catalogued control of the finding. */
  control?: Pick<Control, 'title' | 'statement'>;
  /** The check's own sentence, read only for the names of router rules it quotes. */
  reason: string;
}

/** Who sits on a network of each role, as a head would say it. */
const PEOPLE: Record<string, string> = {
  pupils: "Pupils' devices",
  guests: 'Guest devices',
  byod: 'Personally owned devices',
  staff: 'Staff computers',
  servers: "The school's servers",
  management: "The network's own equipment",
  iot: 'Building devices (cameras, screens, printers)',
  voice: 'Phones',
};
/** What a network of each role holds, as the object of "can reach". */
const THINGS: Record<string, string> = {
  pupils: "pupils' devices",
  guests: 'guest devices',
  byod: 'personal devices',
  staff: 'staff computers',
  servers: "the school's servers",
  management: "the network's own equipment (its controls)",
  iot: 'building devices',
  voice: 'the phones',
  internet: 'the internet',
};

const who = (role: string): string => PEOPLE[role] ?? `Devices on the ${role} network`;
const what = (role: string): string => THINGS[role] ?? `the ${role} network`;

/** The router rules a zone check quotes (`rule "guests -> internet"`), named for the head. */
function rulesIn(reason: string): string[] {
  return [...new Set([...reason.matchAll(/rule "([^"]+)"/g)].map((m) => m[1] ?? ''))].filter((r) => r !== '');
}

function because(reason: string): string {
  const rules = rulesIn(reason);
  if (rules.length === 0)
    return /end of chain/.test(reason)
      ? "because nothing in the router's rules stops them"
      : 'because a router rule with no description lets them';
  const named = rules.map((r) => `'${r}'`);
  const list = named.length === 1 ? named[0] : `${named.slice(0, -1).join(', ')} and ${named.at(-1)}`;
  return `because router rule${rules.length === 1 ? '' : 's'} ${list} ${rules.length === 1 ? 'lets' : 'let'} them`;
}

function pair(e: Evidence | undefined): [string, string] | undefined {
  const m = /^(\S+) -> (\S+)$/.exec(e?.object ?? '');
  return m === null ? undefined : [m[1] ?? '', m[2] ?? ''];
}

const lower = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);
const stop = (s: string): string => (/[.!?]$/.test(s) ? s : `${s}.`);

type Template = (f: PlainInput) => string | undefined;

/** Per-check sentences for failures, where the evidence says more than the catalogue. */
export const FAIL_SENTENCES: Readonly<Record<string, Template>> = {
  'routeros-zone-isolation': (f) => {
    const p = pair(f.evidence[0]);
    if (p === undefined) return undefined;
    return `${who(p[0])} can reach ${what(p[1])}, ${because(f.reason)}.`;
  },
  'routeros-zone-internet-only': (f) => {
    const p = pair(f.evidence[0]);
    if (p === undefined) {
      const from = f.evidence[0]?.object?.split(' ')[0];
      return from === undefined ? undefined : `${who(from)} cannot reach the internet at all.`;
    }
    return `${who(p[0])} can reach ${what(p[1])}, not only the internet, ${because(f.reason)}.`;
  },
  'directory-password-min-length': (f) => {
    const e = f.evidence[0];
    const want = /(\d+)/.exec(e?.expected ?? '')?.[1];
    const got = /^\d+$/.test(e?.actual ?? '') ? e?.actual : undefined;
    if (want === undefined || got === undefined) return undefined;
    return `Passwords as short as ${got} characters are accepted, but the school's policy asks for at least ${want}.`;
  },
};

/** A service named in a probe's sentence: ` (tcp/22)`, ` on udp/53 (a port the policy does not name)`. */
const SERVICE = /\s*\((?:tcp|udp)\/\d+(?: \([^)]*\))?\)|\s+on (?:tcp|udp)\/\d+(?: \([^)]*\))?/gi;

/** The head's sentence for one finding (never the technical reason, never ids or port lists). */
export function plainSentence(f: PlainInput): string {
  const title = f.control?.title ?? 'A control of this policy';
  if (f.status === 'error')
    return `${title} could not be checked tonight; the technician's section says why, and it will be checked again.`;
  if (f.status === 'not_applicable') return `${title} does not apply to this school's equipment.`;
  if (f.status === 'pass') return `${title}: met.`;
  const specific = FAIL_SENTENCES[f.checkId]?.(f);
  if (specific !== undefined) return specific;
  // Probe verdicts are written for the head ("A pupil's laptop could reach a proxy test page that the
  // filter should block."), their evidence kept apart: used as they are while they meet the rule below.
  // A segmentation verdict names the service it tried ("(tcp/22)", "on udp/53"): the head reads it
  // without, the technician's section keeps it with the packets.
  if (f.checkId.startsWith('probe-'))
    for (const s of [f.reason, f.reason.replace(SERVICE, '')])
      if (s.trim() !== '' && plainEnglishProblems(s).length === 0) return s;
  const statement = f.control?.statement;
  return statement === undefined
    ? `${title} is not as the school's policy requires.`
    : `${title} is not as the school's policy requires: ${lower(stop(statement))}`;
}

/**
 * The plain-English rule every head-page sentence must meet: no port or protocol lists, no router
 * item ids like `*46`, no check or control ids, no JSON pointers or key=value detail. Returns what
 * breaks it, empty when the sentence is fine.
 */
export function plainEnglishProblems(s: string): string[] {
  const out: string[] = [];
  if (/\b(tcp|udp|icmp|sctp)\/[\w-]*/i.test(s)) out.push('names a protocol/port');
  if (/\bport(s)? \d/i.test(s) || /\b\d{2,5}(, \d{2,5}){2,}/.test(s)) out.push('lists ports');
  if (/\*[0-9A-F]+\b/.test(s)) out.push('quotes a raw device id like *46');
  if (/\b[a-z]+(-[a-z0-9]+){2,}\b/.test(s)) out.push('quotes an internal check id');
  if (/\b[A-Z]{2,}(-[A-Z0-9]+)+\b/.test(s)) out.push('quotes a control id');
  if (/(^|\s)\/[a-z]+\//.test(s) || /\w=\S/.test(s)) out.push('quotes configuration paths or key=value');
  if (!/^[A-Z'"]/.test(s) || !/[.!?]$/.test(s)) out.push('is not one sentence');
  return out;
}
