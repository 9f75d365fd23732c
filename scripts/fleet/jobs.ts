/**
 * The jobs of the central-plus-agents layout (pg-boss on PostgreSQL), and the pure rules behind them:
 * queue names, the audit night a schedule occurrence stands for, and the job id that makes an audit
 * (or a delivery) one job per school and night however many planners send it. See docs/fleet.md.
 *
 * Queues (pg-boss schema `pgboss`):
 * - `schoolnet.plan`: one pg-boss schedule per school (its cron, its zone, its missed-run policy) sends
 *   `{ school }` here; the planner turns it into an audit job.
 * - `schoolnet.audit.<site>`: `{ school, night }`, taken only by that site's agents.
 * - `schoolnet.deliver`: `{ school, night, runId }`, sent by the agent after a complete run; the
 *   planner delivers the report.
 * - `schoolnet.dead`: audit jobs that failed every retry (the roll-up lists them).
 * Job data never holds a secret: school ids, nights and run ids only.
 */
import { createHash } from 'node:crypto';
import type { LoadedSchool } from '../../inventory/types.ts';
import { DEFAULT_CRON, DEFAULT_TIMEZONE, fireTimes, localKey } from '../schedule/plan.ts';

export const PLAN_QUEUE = 'schoolnet.plan';
export const DELIVER_QUEUE = 'schoolnet.deliver';
export const DEAD_QUEUE = 'schoolnet.dead';
export const DEFAULT_SITE = 'central';
export const SITE_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export const auditQueue = (site: string): string => `schoolnet.audit.${site}`;

export function siteOf(s: LoadedSchool): string {
  return s.decl.site ?? DEFAULT_SITE;
}

export interface PlanJob {
  school: string;
}

export interface AuditJob {
  school: string;
  /** yyyy-mm-dd: the school's local date of the schedule occurrence. */
  night: string;
}

export interface DeliverJob extends AuditJob {
  runId: string;
}

/** A UUID from a name (SHA-1, RFC 4122 version-5 layout): the same for every sender. */
export function nameUuid(name: string): string {
  const h = createHash('sha1').update(`schoolnet:${name}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export const auditJobId = (j: AuditJob): string => nameUuid(`audit/${j.school}/${j.night}`);
export const deliverJobId = (j: AuditJob): string => nameUuid(`deliver/${j.school}/${j.night}`);
export const singletonKeyOf = (j: AuditJob): string => `${j.school}/${j.night}`;

/**
 * The school's latest occurrence at or before `at`, or undefined when there is none within a year.
 */
export function occurrenceOf(cron: string, timezone: string, at: Date): Date | undefined {
  for (const days of [2, 9, 40, 370]) {
    const fires = fireTimes(
      cron,
      timezone,
      new Date(at.getTime() - days * 86_400_000),
      new Date(at.getTime() + 1),
    );
    const last = fires[fires.length - 1];
    if (last !== undefined) return last;
  }
  return undefined;
}

/**
 * The audit night a plan job stands for: the local date of the school's latest occurrence at or
 * before `at` (when the job was created). A catch-up sent hours late still names the night it missed,
 * so it never takes tonight's place.
 */
export function nightOf(cron: string, timezone: string, at: Date): string {
  return localKey(occurrenceOf(cron, timezone, at) ?? at, timezone).slice(0, 10);
}

/**
 * Occurrences already worked out, by cron, time zone and night: a night's plan asks the same question
 * for every school on the same schedule, and enumerating a cron's times in a zone costs about 10 ms.
 * Bounded: cleared when full.
 */
const occurrences = new Map<string, number | undefined>();
const OCCURRENCES_KEPT = 4096;

/** The school's first occurrence on a night (its local date), if its cron has one that day. */
export function occurrenceOnNight(cron: string, timezone: string, night: string): Date | undefined {
  const key = `${cron}\u0000${timezone}\u0000${night}`;
  if (!occurrences.has(key)) {
    if (occurrences.size >= OCCURRENCES_KEPT) occurrences.clear();
    occurrences.set(key, firstOnNight(cron, timezone, night)?.getTime());
  }
  const at = occurrences.get(key);
  // A new Date each time: a caller changing its copy changes no other school's.
  return at === undefined ? undefined : new Date(at);
}

function firstOnNight(cron: string, timezone: string, night: string): Date | undefined {
  const midnight = Date.parse(`${night}T00:00:00Z`);
  if (Number.isNaN(midnight)) return undefined;
  return fireTimes(cron, timezone, new Date(midnight - 86_400_000), new Date(midnight + 2 * 86_400_000)).find(
    (at) => localKey(at, timezone).startsWith(night),
  );
}

export function scheduleOfSchool(s: LoadedSchool): {
  cron: string;
  timezone: string;
  missed: 'once' | 'skip';
} {
  return {
    cron: s.decl.schedule?.cron ?? DEFAULT_CRON,
    timezone: s.decl.schedule?.timezone ?? DEFAULT_TIMEZONE,
    missed: s.decl.schedule?.missed ?? 'once',
  };
}

/** Retries, budget and heartbeat of the audit queues (pg-boss queue options). */
export interface AuditQueuePolicy {
  /** Attempts after the first (default 3). */
  retryLimit: number;
  /** Seconds before the first retry; doubled each time (default 60). */
  retryDelay: number;
  /** The time budget of one attempt, seconds (default 900). */
  expireInSeconds: number;
  /** An agent that stops touching its job this long is taken as dead: the job is retried (default 30). */
  heartbeatSeconds: number;
}

export const DEFAULT_AUDIT_POLICY: AuditQueuePolicy = {
  retryLimit: 3,
  retryDelay: 60,
  expireInSeconds: 900,
  heartbeatSeconds: 30,
};
