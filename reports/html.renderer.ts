/**
 * The school report as one self-contained HTML page: inline CSS, an inline SVG chart, no script and no
 * external request (a Content-Security-Policy says so to the browser as well). The head teacher's page
 * comes first, then the external standards, the trend, the technician's detail and the coverage.
 * Every string from the model goes through `esc`; nothing else builds markup from data.
 */
import { scoreChart } from './chart.ts';
import { esc } from './escape.ts';
import { CLAUSE_STATUS_LABEL } from './model.ts';
import type { ClauseStatus, ClauseView, FindingView, ReportModel, RiskItem, TrendItem } from './model.ts';
import type { Severity } from '../checks/types.ts';

const CSS = `
:root{--ink:#1d2430;--muted:#5b6576;--line:#d9dee6;--met:#1c7c3c;--notmet:#b3261e;--unk:#8a5a00;--att:#2f5fa7;--wv:#6b4fa0}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);margin:0;background:#f5f6f8}
main{max-width:1000px;margin:0 auto;padding:24px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 24px;margin:0 0 20px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:0 0 12px}h3{font-size:16px;margin:18px 0 6px}
.sub{color:var(--muted);margin:0 0 16px}
.summary{display:flex;gap:10px;margin:12px 0 18px}
.tile{border:1px solid var(--line);border-radius:6px;padding:8px 12px;flex:1;min-width:0}
.tile b{display:block;font-size:24px}
.tile .badge{white-space:normal}
table{border-collapse:collapse;width:100%;font-size:14px}
table.clauses,table.fixed{table-layout:fixed}
th,td{border-top:1px solid var(--line);padding:7px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f2f5;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12.5px;font-weight:600;color:#fff;white-space:nowrap}
.s-met{background:var(--met)}.s-not_met{background:var(--notmet)}.s-not_checked{background:var(--unk)}
.s-needs_attestation{background:var(--att)}.s-waived{background:var(--wv)}.s-partly_checked{background:#8a5a00}
.marking{font-weight:700;letter-spacing:.04em;border:2px solid var(--ink);padding:4px 10px;margin:0 0 12px;background:#fff}
.marking span{font-weight:400;letter-spacing:0}
.sev{display:inline-block;border-radius:4px;padding:0 6px;font-size:12.5px;font-weight:700;color:#fff;white-space:nowrap}
.sev-critical{background:#7a0f0a}.sev-high{background:#b3261e}.sev-medium{background:#8a5a00}.sev-low{background:#2f5fa7}.sev-info{background:#5b6576}
.risks{list-style:none;padding:0;margin:8px 0 16px}
.risk{border:1px solid var(--line);border-left:5px solid var(--notmet);border-radius:6px;padding:8px 12px;margin:0 0 8px;break-inside:avoid}
.risk h3{margin:0 0 4px;font-size:15px}.risk p{margin:2px 0}
.risk .meta{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;color:var(--muted)}
.risk .meta b{color:var(--ink)}
table.areas td,table.areas th{font-size:13.5px}
.warn{background:#fdecea;border-left:4px solid var(--notmet);padding:8px 12px;margin:10px 0;font-weight:600}
.st-fail{color:var(--notmet);font-weight:600}.st-error{color:var(--unk);font-weight:600}.st-pass{color:var(--met)}
.st-waived{color:var(--wv)}.st-not_applicable{color:var(--muted)}
ul{margin:4px 0;padding-left:18px}li{margin:2px 0}
.muted{color:var(--muted)}.small{font-size:13px}
.clause-sec{color:var(--muted);font-size:13px}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:12.5px;overflow-wrap:anywhere}
.chart{max-width:100%;height:auto}.chart .grid{stroke:#e3e6eb}.chart .line{fill:none;stroke:#2f5fa7;stroke-width:2}.chart circle{fill:#2f5fa7}
.chart text{font-size:11px;fill:#5b6576}
.finding{border-top:1px solid var(--line);padding:10px 0;break-inside:avoid}
.finding h4{margin:0 0 4px;font-size:14.5px}
.ev td,.ev th{font-size:12.5px;padding:4px 6px}
pre.mono{white-space:pre-wrap;background:#f0f2f5;padding:6px 8px;margin:2px 0 6px;border-radius:4px}
.note{background:#f7f3e8;border-left:4px solid var(--unk);padding:8px 12px;margin:10px 0}
@media (max-width:640px){
  main{padding:10px}section{padding:14px 12px}
  h1{font-size:21px}
  .summary{flex-wrap:wrap}.tile{flex:1 1 40%}
  table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
  table.stack thead,table.stack colgroup{display:none}
  table.stack tr{border-top:2px solid var(--line);padding:6px 0}
  table.stack td{border:none;padding:3px 0}
  table.stack td[data-label]::before{content:attr(data-label);display:block;font-size:12px;font-weight:600;color:var(--muted)}
}
@media print{
  body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
  section{border:none;border-radius:0;padding:0;margin:0 0 14pt}
  #clauses,#technical{break-before:page}
  table:not(.clauses) tr,.finding{break-inside:avoid}
  thead{display:table-header-group}
  .badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
}
@page{size:A4}
`;

const pct = (s: number | null): string => (s === null ? 'n/a' : `${Math.round(s * 1000) / 10}%`);
const date = (iso: string | undefined): string => (iso === undefined ? '' : iso.slice(0, 10));
const badge = (s: ClauseStatus): string => `<span class="badge s-${s}">${esc(CLAUSE_STATUS_LABEL[s])}</span>`;
const list = (items: readonly string[]): string =>
  items.length === 0 ? '' : `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;

const MAX_HEAD_ISSUES = 5;
const MAX_TREND_ITEMS = 15;

function clauseRow(c: ClauseView): string {
  const shown = c.issues.slice(0, MAX_HEAD_ISSUES).map((i) => i.text);
  const more = c.issues.length - shown.length;
  if (more > 0) shown.push(`and ${more} more (see the technician's section).`);
  const pupils =
    c.pupilFindings > 0
      ? `<p class="small">${c.pupilFindings} finding${c.pupilFindings === 1 ? '' : 's'} about pupil accounts (counted, never named).</p>`
      : '';
  const unchecked =
    c.unchecked.length > 0 && c.status !== 'not_met'
      ? `<p class="small">Not checked: ${esc(c.unchecked.join('; '))}.</p>`
      : '';
  // A clause checked partly automatically and partly by a person: both parts, in plain words.
  const parts =
    c.parts === undefined
      ? ''
      : `<p class="small">Checked automatically every night: ${esc(CLAUSE_STATUS_LABEL[c.parts.automatic.status].toLowerCase())}.</p>` +
        `<p class="small">Confirmed by the ${esc(c.parts.attested.who.toLowerCase())}, ${esc(c.parts.attested.every)}: ${esc(c.parts.attested.what ?? 'the part no system shows')}.</p>`;
  const waivers = c.waivers
    .map(
      (w) =>
        `<p class="small">Exception agreed by ${esc(w.approver)} until ${esc(w.expires)}: ${esc(w.reason)}</p>`,
    )
    .join('');
  return (
    `<tr class="clause" data-clause="${esc(c.id)}" data-status="${esc(c.status)}">` +
    `<td data-label="Your policy says"><div class="clause-sec">${esc(c.section)}</div>${esc(c.text)}</td>` +
    `<td data-label="Status">${badge(c.status)}${parts}${list(shown)}${unchecked}${pupils}${waivers}</td>` +
    `<td data-label="What it means for pupils' safety">${list(c.safety)}</td>` +
    `<td data-label="What we will do">${list(c.providerWill)}</td></tr>`
  );
}

const SEV_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};
const sev = (s: Severity): string => `<span class="sev sev-${s}">${SEV_LABEL[s]}</span>`;
const MAX_RISKS = 6;

/** The first page stays readable in two minutes: a long technical sentence is cut at a word. */
function short(s: string, max = 180): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 20))}… (detail in the clause table)`;
}

function riskItem(r: RiskItem): string {
  return `<li class="risk" data-risk="${esc(r.key)}" data-severity="${esc(r.severity)}">
<h3>${sev(r.severity)} ${esc(r.title)}${r.count > 1 ? ` <span class="muted small">(${r.count} findings, one cause)</span>` : ''}</h3>
<p>${esc(r.harm)}</p>
<p class="small">${esc(short(r.detail))}</p>
<p class="meta"><span>Owner: <b>${esc(r.owner.name)}</b></span><span>Put right by: <b>${esc(r.due)}</b></span>${r.safeguarding ? '<span><b>Safeguarding</b></span>' : ''}</p></li>`;
}

function coverageNote(m: ReportModel): string {
  const c = m.checked;
  if (c.fell && c.previous !== undefined)
    return `<p class="warn" id="coverage-fell">Fewer checks could run than last time (${c.checked} of ${c.expected}, against ${c.previous.checked} of ${c.previous.expected}). The score cannot be compared with the last one, and problems that could not be checked are not counted as put right.</p>`;
  if (c.checked < c.expected)
    return `<p class="note">${c.expected - c.checked} of ${c.expected} checks could not run or could not judge everything tonight; the score stands on the other ${c.checked}.</p>`;
  return '';
}

function areasTable(m: ReportModel): string {
  const rows = m.areas
    .filter((a) => a.pass + a.fail + a.error > 0)
    .map(
      (a) =>
        `<tr data-area="${esc(a.area)}"><td data-label="Area">${esc(a.label)}</td><td data-label="Risk-weighted">${esc(pct(a.weighted))}</td><td data-label="Pass rate">${esc(pct(a.passRate))}</td><td data-label="Open">${a.fail}${a.error > 0 ? `, ${a.error} not checked` : ''}</td></tr>`,
    )
    .join('');
  return `<table class="areas stack"><thead><tr><th>Area</th><th>Risk-weighted score</th><th>Pass rate</th><th>Open problems</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function byRiskList(m: ReportModel): string {
  const by = new Map(m.clauses.map((c) => [c.id, c]));
  const rows = m.clausesByRisk
    .map((id) => by.get(id))
    .filter((c): c is ClauseView => c !== undefined && c.status !== 'met')
    .map(
      (c) =>
        `<tr data-clause="${esc(c.id)}"><td data-label="Clause">${esc(c.section)}</td><td data-label="Status">${badge(c.status)}</td><td data-label="Worst">${c.worst === undefined ? '' : sev(c.worst)}</td></tr>`,
    )
    .join('');
  if (rows === '') return '<p>Every clause is met.</p>';
  return `<table class="by-risk stack"><thead><tr><th>Clause (worst first)</th><th>Status</th><th>Worst problem</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function headPage(m: ReportModel): string {
  const cc = m.clauseCounts;
  const total = m.clauses.length;
  const incomplete =
    m.run.status === 'complete'
      ? ''
      : '<p class="note">This audit did not finish, so parts of the network were not checked.</p>';
  const tiles = (['met', 'not_met', 'partly_checked', 'not_checked', 'needs_attestation', 'waived'] as const)
    .filter((s) => cc[s] > 0 || s === 'met' || s === 'not_met')
    .map((s) => `<div class="tile"><b>${cc[s]}</b>${badge(s)}</div>`)
    .join('');
  const policy = m.policy.title === undefined ? 'your online safety policy' : `“${m.policy.title}”`;
  const risks = m.risks.slice(0, MAX_RISKS);
  const moreRisks = m.risks.length - risks.length;
  const a = m.accounts;
  const accountLine =
    a.pupil + a.staff + a.other > 0
      ? `<p>${a.pupil + a.staff + a.other} open findings are about people's accounts (${a.pupil} pupil, ${a.staff} staff, ${a.other} other). No one is named in this part of the report.</p>`
      : '';
  return `<section id="head" class="head-page">
<h1>${esc(m.school.name)}: network safety report</h1>
<p class="sub">For the head teacher. Checked on ${esc(date(m.run.asOf))} against ${esc(policy)} (version ${esc(m.policy.version)}).
Score: <b>${esc(pct(m.score))}</b> of automatic checks passed, from <b id="checked">${m.checked.checked} of ${m.checked.expected} checks</b> that could run.</p>
${coverageNote(m)}${incomplete}
<h2>What to act on first</h2>
${risks.length === 0 ? '<p>No open problems were found by the checks that ran.</p>' : `<ol class="risks">${risks.map(riskItem).join('')}</ol>`}
${moreRisks > 0 ? `<p class="small">And ${moreRisks} smaller problem${moreRisks === 1 ? '' : 's'} (see the clauses below).</p>` : ''}
${accountLine}
<p>Of the ${total} technical clauses in your policy, ${cc.met} ${cc.met === 1 ? 'is' : 'are'} met and ${cc.not_met} ${cc.not_met === 1 ? 'is' : 'are'} not met.
${cc.partly_checked > 0 ? `${cc.partly_checked} could only partly be checked. ` : ''}${cc.not_checked > 0 ? `${cc.not_checked} could not be checked. ` : ''}${cc.needs_attestation > 0 ? `${cc.needs_attestation} need a named person to confirm them. ` : ''}</p>
<div class="summary">${tiles}</div>
<h2>Clauses, worst first</h2>
${byRiskList(m)}
<h2>By area</h2>
${areasTable(m)}
</section>`;
}

function clausesSection(m: ReportModel): string {
  return `<section id="clauses">
<h2>Your policy, clause by clause</h2>
<table class="clauses stack"><colgroup><col style="width:24%"><col style="width:28%"><col style="width:24%"><col style="width:24%"></colgroup>
<thead><tr><th>Your policy says</th><th>Status</th><th>What it means for pupils' safety</th><th>What we will do</th></tr></thead>
<tbody>${m.clauses.map(clauseRow).join('')}</tbody></table>
</section>`;
}

function standardsSection(m: ReportModel): string {
  if (m.standards.length === 0) return '';
  const body = m.standards
    .map((s) => {
      const rows = s.requirements
        .map(
          (r) =>
            `<tr data-ref="${esc(r.ref)}"><td class="mono">${esc(r.ref)}</td><td>${esc(r.title)}${r.unchecked.length > 0 && r.status !== 'not_met' ? `<div class="small muted">Not checked: ${esc(r.unchecked.join('; '))}</div>` : ''}</td><td>${badge(r.status)}</td></tr>`,
        )
        .join('');
      const c = s.counts;
      return `<div class="standard" data-standard="${esc(s.id)}"><h3>${esc(s.title)}</h3>
<p class="small muted">${esc(s.publisher)}${s.version === undefined ? '' : `, version ${esc(s.version)}`}: ${c.met} met, ${c.not_met} not met, ${c.partly_checked} partly checked, ${c.not_checked} not checked, ${c.needs_attestation} need attestation, ${c.waived} waived.</p>
<table><thead><tr><th style="width:14%">Ref</th><th>Requirement</th><th style="width:18%">Status</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    })
    .join('');
  return `<section id="standards"><h2>Against the standards that apply to your school</h2>${body}</section>`;
}

function trendList(title: string, items: readonly TrendItem[], since: boolean): string {
  if (items.length === 0) return `<h3>${esc(title)}</h3><p class="muted">None.</p>`;
  const more = items.length - MAX_TREND_ITEMS;
  const li = items
    .slice(0, MAX_TREND_ITEMS)
    .map(
      (i) =>
        `<li>${esc(i.text)}${since && i.since !== undefined ? ` <span class="muted small">(open since ${i.atLeast === true ? 'at least ' : ''}${esc(date(i.since))})</span>` : ''}</li>`,
    )
    .join('');
  const tail = more > 0 ? `<li class="muted">and ${more} more (see the technician's section).</li>` : '';
  return `<h3>${esc(title)} (${items.length})</h3><ul>${li}${tail}</ul>`;
}

function trendSection(m: ReportModel): string {
  const t = m.trend;
  const chart = t.history.length > 0 ? scoreChart(t.history) : '';
  if (t.previous === undefined)
    return `<section id="trend"><h2>Since the last audit</h2><p class="muted">This is the first stored audit of this school, so there is nothing to compare with yet.</p>${chart}</section>`;
  const compare = t.comparable
    ? `Compared with the audit of ${esc(date(t.previous.started))} (score ${esc(pct(t.previous.score))} from ${t.previous.coverage.checked} of ${t.previous.coverage.expected} checks; now ${esc(pct(m.score))} from ${m.checked.checked} of ${m.checked.expected}).`
    : `Not comparable with the audit of ${esc(date(t.previous.started))}: fewer checks could run tonight (${m.checked.checked} of ${m.checked.expected}, against ${t.previous.coverage.checked} of ${t.previous.coverage.expected}), so tonight's score of ${esc(pct(m.score))} is not an improvement or a decline on ${esc(pct(t.previous.score))}.`;
  return `<section id="trend"><h2>Since the last audit</h2>
<p class="sub">${compare}</p>
${chart}
<div class="trend-new">${trendList('New problems', t.new, false)}</div>
<div class="trend-resolved">${trendList('Put right', t.resolved, false)}</div>
${t.unverified.length === 0 ? '' : `<div class="trend-unverified">${trendList('Could not be checked tonight (not counted as put right)', t.unverified, false)}</div>`}
<div class="trend-open">${trendList('Still open', t.stillOpen, true)}</div>
</section>`;
}

function evidenceTable(f: FindingView): string {
  if (f.evidence.length === 0) return '';
  const rows = f.evidence
    .map(
      (e) =>
        `<tr><td class="mono">${esc(e.source)}</td><td class="mono">${esc(e.object)}</td><td class="mono">${esc(e.expected)}</td><td class="mono">${esc(e.actual)}</td></tr>`,
    )
    .join('');
  return `<table class="ev"><thead><tr><th>Device</th><th>Object</th><th>Expected</th><th>Actual</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function findingBlock(f: FindingView): string {
  const waiver =
    f.waiver === undefined
      ? ''
      : `<p class="small">Waiver <span class="mono">${esc(f.waiver.id)}</span>${f.waivedStatus === undefined ? '' : ` (found ${esc(f.waivedStatus)})`}: ${esc(f.waiver.reason)}; approved by ${esc(f.waiver.approver)} on ${esc(f.waiver.granted)}, expires ${esc(f.waiver.expires)}.</p>`;
  const steps =
    f.steps.length === 0
      ? ''
      : `<div class="small steps"><b>To put it right</b>${f.steps.map((st) => `<p class="muted">${esc(st.tool)} on ${esc(st.on)}:</p><pre class="mono">${esc(st.command)}</pre>`).join('')}</div>`;
  const remediation =
    f.status === 'fail' || f.status === 'error' || f.status === 'waived'
      ? steps || `<div class="small"><b>Remediation</b>${list(f.remediation)}</div>`
      : '';
  return `<div class="finding" data-key="${esc(f.key)}" data-status="${esc(f.status)}">
<h4><span class="st-${esc(f.status)}">${esc(f.status.replace('_', ' ').toUpperCase())}</span> · ${esc(f.severity)} · <span class="mono">${esc(f.checkId)}</span></h4>
<p>${esc(f.reason)}</p>
${evidenceTable(f)}
<p class="small muted">Clauses: ${esc(f.clauses.join(', ') || 'none')} · Controls: ${esc(f.controls.join(', '))} · References: ${esc(f.references.join(', ') || 'none')}</p>
${remediation}${waiver}</div>`;
}

function passRow(f: FindingView): string {
  return `<tr class="finding-row" data-key="${esc(f.key)}" data-status="${esc(f.status)}"><td class="st-${esc(f.status)}">${esc(f.status === 'pass' ? 'pass' : 'n/a')}</td><td class="mono">${esc(f.checkId)}</td><td class="mono">${esc(f.subject)}</td><td>${esc(f.reason)}</td></tr>`;
}

function technicalSection(m: ReportModel): string {
  if (!m.technical) return '';
  const devices = m.devices
    .map(
      (d) =>
        `<tr><td class="mono">${esc(d.name)}</td><td>${esc(d.kind)}</td><td>${d.ok ? 'read' : '<span class="st-error">not read</span>'}</td><td class="mono">${esc(d.error ?? d.collectedAt ?? '')}</td></tr>`,
    )
    .join('');
  const open = m.findings.filter((f) => f.status !== 'pass' && f.status !== 'not_applicable');
  const rest = m.findings.filter((f) => f.status === 'pass' || f.status === 'not_applicable');
  const warnings =
    m.warnings.length === 0
      ? ''
      : `<h3>Warnings</h3>${list(m.warnings.map((w) => `${w.code}: ${w.message}`))}`;
  return `<section id="technical"><h2>Technician's detail</h2>
<p class="marking">${esc(m.marking.label)} <span>${esc(m.marking.note)}</span></p>
<p class="sub">Run <span class="mono">${esc(m.run.id)}</span>, started ${esc(m.run.started)}, schoolnet ${esc(m.run.toolVersion)}; ${m.counts.pass} pass, ${m.counts.fail} fail, ${m.counts.error} error, ${m.counts.waived} waived, ${m.counts.not_applicable} not applicable.</p>
<h3>Devices and sources</h3>
<table><thead><tr><th>Name</th><th>Kind</th><th>Read</th><th>Detail</th></tr></thead><tbody>${devices}</tbody></table>
${warnings}
<h3>Findings to act on (${open.length})</h3>
${open.map(findingBlock).join('') || '<p class="muted">None.</p>'}
<h3>Passed and not applicable (${rest.length})</h3>
${rest.length === 0 ? '<p class="muted">None.</p>' : `<table class="fixed small passed"><colgroup><col style="width:10%"><col style="width:26%"><col style="width:20%"><col></colgroup><thead><tr><th>Status</th><th>Check</th><th>Subject</th><th>Reason</th></tr></thead><tbody>${rest.map(passRow).join('')}</tbody></table>`}
</section>`;
}

function coverageSection(m: ReportModel): string {
  const rows = m.coverage
    .map((c) => {
      const why =
        c.why === 'attestation'
          ? `Needs attestation${c.attestation === undefined ? '' : `: ${c.attestation.who}, ${c.attestation.every}`}`
          : c.why === 'not-applicable'
            ? 'Every check for it was not applicable here'
            : 'No check evidences it';
      return `<tr data-clause="${esc(c.id)}"><td><div class="clause-sec">${esc(c.section)}</div>${esc(c.text)}</td><td>${esc(why)}</td></tr>`;
    })
    .join('');
  return `<section id="coverage"><h2>Coverage: clauses no automatic check evidences</h2>
${m.coverage.length === 0 ? '<p class="muted">Every clause is evidenced by at least one check.</p>' : `<table><thead><tr><th>Clause</th><th>Why</th></tr></thead><tbody>${rows}</tbody></table>`}
<p class="small muted">Clause map ${esc(m.policy.file)} version ${esc(m.policy.version)}${m.policy.reviewed === undefined ? '' : `, reviewed ${esc(m.policy.reviewed)}`}.</p>
</section>`;
}

export function renderHtml(m: ReportModel): string {
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.school.name)}: network safety report ${esc(date(m.run.asOf))}</title>
<style>${CSS}</style></head>
<body><main>
<p class="marking" role="note">${esc(m.marking.label)} <span>${esc(m.marking.note)}</span></p>
${headPage(m)}
${clausesSection(m)}
${standardsSection(m)}
${trendSection(m)}
${technicalSection(m)}
${coverageSection(m)}
</main></body></html>
`;
}
