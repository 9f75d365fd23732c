/**
 * Judging the 802.1X leaver canary (devices/probes/radius-canary.ts): the enabled canary must be
 * accepted, which proves the sign-in path works end to end (agent's secret, server certificate, EAP
 * method, directory); only then does the leaver canary's refusal mean anything. So:
 * - enabled accepted, leaver refused: pass;
 * - leaver accepted: fail (a leaver's account can still join the Wi-Fi), whatever the enabled canary did;
 * - enabled not accepted, or either attempt not judgeable: error, never a pass.
 * Pure.
 */
import { error, fail, pass } from '../lib/results.ts';
import type { CheckResult, Evidence } from '../types.ts';

/** One canary sign-in as the collector records it (devices/probes/radius-canary.ts CanaryAttempt). */
export interface CanaryAttempt {
  kind: 'enabled' | 'leaver';
  account: string;
  server: string;
  address: string;
  eap: string;
  outcome: 'accepted' | 'rejected' | 'no-answer' | 'error';
  packets: string[];
  detail?: string;
  ms: number;
}

function attemptText(a: CanaryAttempt | undefined): string {
  if (!a) return 'not tried';
  const last = a.packets.filter((p) =>
    /RADIUS message: code=|EAP-(Success|Failure)|^(SUCCESS|FAILURE)$/.test(p),
  );
  return `${a.outcome}${a.detail ? ` (${a.detail})` : ''}; ${last.slice(-3).join(', ') || 'no RADIUS reply'} (${a.ms} ms)`;
}

function evidence(
  source: string,
  enabled: CanaryAttempt | undefined,
  leaver: CanaryAttempt | undefined,
): Evidence[] {
  const server = enabled ?? leaver;
  const via = server ? `${server.server} ${server.address} ${server.eap}` : 'RADIUS';
  return [
    {
      source,
      object: `canary:leaver:${leaver?.account ?? '?'}`,
      expected: 'refused (Access-Reject)',
      actual: `${via}: ${attemptText(leaver)}`,
    },
    {
      source,
      object: `canary:enabled:${enabled?.account ?? '?'}`,
      expected: 'accepted (Access-Accept): proves the sign-in test works',
      actual: `${via}: ${attemptText(enabled)}`,
    },
  ];
}

export function judgeLeaverCanary(source: string, attempts: readonly CanaryAttempt[]): CheckResult {
  const enabled = attempts.find((a) => a.kind === 'enabled');
  const leaver = attempts.find((a) => a.kind === 'leaver');
  const ev = evidence(source, enabled, leaver);
  if (leaver?.outcome === 'accepted')
    return fail(
      "A leaver's account could still join the Wi-Fi: the school's sign-in server accepted the test account that is meant to be switched off as a leaver.",
      ev,
    );
  if (enabled?.outcome !== 'accepted')
    return error(
      enabled?.outcome === 'rejected'
        ? "The Wi-Fi sign-in test for leavers is broken: the school's sign-in server refused the enabled test account too, so a refusal of the leaver proves nothing."
        : `The Wi-Fi sign-in test could not run: the enabled canary's sign-in ended ${enabled ? `with ${enabled.outcome}${enabled.detail ? ` (${enabled.detail})` : ''}` : 'untried'}.`,
      ev,
    );
  if (leaver?.outcome !== 'rejected')
    return error(
      `The Wi-Fi sign-in test could not judge the leaver canary: its sign-in ended ${leaver ? `with ${leaver.outcome}${leaver.detail ? ` (${leaver.detail})` : ''}` : 'untried'}.`,
      ev,
    );
  return pass(
    "Leavers cannot join the Wi-Fi: the school's sign-in server refused the test leaver account and accepted the enabled one.",
    ev,
  );
}
