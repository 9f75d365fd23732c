/**
 * JUnit XML for CI pipelines: one test suite per run, one test case per check. A check with any failing
 * finding is a <failure>, one that could not be evaluated an <error>, an all-waived or all-not-applicable
 * check is <skipped>; the message lists the findings. Everything is XML-escaped; characters XML 1.0
 * forbids are replaced.
 */
import { esc } from './escape.ts';
import type { FindingView, ReportModel } from './model.ts';

function describe(f: FindingView): string {
  return `${f.status.toUpperCase()} ${f.subject}: ${f.reason}`;
}

function caseXml(m: ReportModel, checkId: string, fs: readonly FindingView[]): string {
  const fails = fs.filter((f) => f.status === 'fail');
  const errors = fs.filter((f) => f.status === 'error');
  const name = `${esc(checkId)}`;
  const head = `<testcase classname="${esc(`schoolnet.${m.school.id}`)}" name="${name}" time="0">`;
  if (fails.length > 0 || errors.length > 0) {
    const bad = fails.length > 0 ? fails : errors;
    const tag = fails.length > 0 ? 'failure' : 'error';
    const msg = bad[0] === undefined ? '' : bad[0].reason;
    const body = fs.map(describe).join('\n');
    return `${head}<${tag} message="${esc(msg)}" type="${esc(checkId)}">${esc(body)}</${tag}></testcase>`;
  }
  if (fs.every((f) => f.status === 'waived' || f.status === 'not_applicable'))
    return `${head}<skipped message="${esc(fs.map((f) => f.reason).join('; '))}"/></testcase>`;
  return `${head}<system-out>${esc(fs.map(describe).join('\n'))}</system-out></testcase>`;
}

export function renderJunit(m: ReportModel): string {
  const byCheck = new Map<string, FindingView[]>();
  for (const f of m.findings) byCheck.set(f.checkId, [...(byCheck.get(f.checkId) ?? []), f]);
  const ids = [...byCheck.keys()].sort();
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const cases = ids.map((id) => {
    const fs = byCheck.get(id) ?? [];
    if (fs.some((f) => f.status === 'fail')) failures++;
    else if (fs.some((f) => f.status === 'error')) errors++;
    else if (fs.every((f) => f.status === 'waived' || f.status === 'not_applicable')) skipped++;
    return caseXml(m, id, fs);
  });
  const suite =
    `<testsuite name="${esc(`${m.school.id}: ${m.school.name}`)}" tests="${ids.length}" failures="${failures}" ` +
    `errors="${errors}" skipped="${skipped}" timestamp="${esc(m.run.started.slice(0, 19))}" id="${esc(m.run.id)}">`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="schoolnet audit" tests="${ids.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n` +
    `${suite}\n${cases.join('\n')}\n</testsuite>\n</testsuites>\n`
  );
}
