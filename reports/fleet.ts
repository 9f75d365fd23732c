/**
 * The central-plus-agents part of the roll-up: each agent's health (site, state, last seen, jobs done
 * and failed, version) and the audits that went to the dead-letter queue. Read from the PostgreSQL
 * store (tables `agents` and `scheduled_runs`); empty for a one-machine store.
 */
import { esc } from './escape.ts';

export interface FleetSection {
  agents: {
    name: string;
    site: string;
    state: string;
    lastSeen: string;
    jobsDone: number;
    jobsFailed: number;
    version: string;
  }[];
  deadLetters: { school: string; night: string; failedAt: string; message: string }[];
}

/** An agent silent for longer than this (and not stopped) is shown as missing. */
export const AGENT_SILENT_MS = 2 * 60_000;

function agentState(a: FleetSection['agents'][number], now: Date): string {
  if (a.state !== 'stopped' && now.getTime() - Date.parse(a.lastSeen) > AGENT_SILENT_MS) return 'missing';
  return a.state;
}

// eslint-disable-next-line no-control-regex
const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function renderFleetTable(f: FleetSection, now: Date): string {
  const out = ['', 'Agents'];
  if (f.agents.length === 0) out.push('  (none has reported)');
  for (const a of f.agents)
    out.push(
      clean(
        `  ${a.site.padEnd(14)} ${a.name.padEnd(32)} ${agentState(a, now).padEnd(8)} last seen ${a.lastSeen}  ` +
          `done ${a.jobsDone}  failed ${a.jobsFailed}  v${a.version}`,
      ),
    );
  out.push('', `Dead letters (audits that failed every retry): ${f.deadLetters.length}`);
  for (const d of f.deadLetters) out.push(clean(`  ${d.school} night ${d.night}: ${d.message}`));
  return `${out.join('\n')}\n`;
}

export function renderFleetHtml(f: FleetSection, now: Date): string {
  const agents = f.agents
    .map(
      (a) =>
        `<tr><td>${esc(a.site)}</td><td>${esc(a.name)}</td><td>${esc(agentState(a, now))}</td><td>${esc(a.lastSeen)}</td>` +
        `<td>${esc(a.jobsDone)}</td><td>${esc(a.jobsFailed)}</td><td>${esc(a.version)}</td></tr>`,
    )
    .join('');
  const dead = f.deadLetters
    .map((d) => `<li>${esc(d.school)} night ${esc(d.night)}: ${esc(d.message)}</li>`)
    .join('');
  return (
    `<section id="fleet"><h2>Agents</h2><table><thead><tr><th>Site</th><th>Agent</th><th>State</th>` +
    `<th>Last seen</th><th>Done</th><th>Failed</th><th>Version</th></tr></thead><tbody>${agents}</tbody></table>` +
    `<h2>Dead letters</h2><ul>${dead || '<li>none</li>'}</ul></section>`
  );
}
