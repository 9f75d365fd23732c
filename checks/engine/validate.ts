/**
 * `schoolnet validate` and the audit's and apply's refusal share this: everything a school's folder holds
 * that an audit reads before it contacts anything, each problem at `file:line:column` with the field.
 *
 * - the declaration (`school.yaml`): YAML, schema, cross-references (inventory/load.ts);
 * - the clause map it names: schema, then against the catalogue (unknown controls, params against each
 *   check's schema; checks/engine/clause-map.ts);
 * - the waivers file: schema, dates, and the checks and controls it names must exist;
 * - the roster: the declared column mapping against the export's header row (row-level problems are
 *   warnings: the audit reports them as the leavers check's errors, it does not refuse them);
 * - the register files (assets, software, licences, installs), every row.
 *
 * A file given on its own is recognised by its content (a clause map has `clauses:`, a waivers file
 * `waivers:`, a declaration a `school:` mapping) or, failing that, by its name; a spreadsheet by the
 * declaration beside it that names it. What cannot be recognised is a problem, never a guess.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { ConfinementError, confinedFile, declaredPaths, secretsDirs } from '../../inventory/confine.ts';
import { streamCsv } from '../../inventory/csv-stream.ts';
import { LIMITS, readBounded } from '../../inventory/limits.ts';
import { analyseSchoolText, compareProblems, validateSchoolFile } from '../../inventory/load.ts';
import type { Problem } from '../../inventory/load.ts';
import { parsePolicyFile, PolicyFileError } from '../../inventory/policy.ts';
import { RegisterError, loadRegister } from '../../inventory/register/index.ts';
import type { RegisterProblem } from '../../inventory/register/index.ts';
import { readRoster } from '../../inventory/roster.ts';
import type { LoadedSchool, SchoolDeclaration } from '../../inventory/types.ts';
import { parseWaivers, WaiverFileError } from '../../inventory/waivers.ts';
import { escapePointerSegment, parseYaml } from '../../inventory/yaml-positions.ts';
import { loadCatalog } from '../catalog/catalog.ts';
import { allChecks } from '../registry.ts';
import { loadPolicy, resolvePolicy } from './clause-map.ts';
import { parseAttestations } from '../../inventory/attestations.ts';
import { contradictionMessage, declaredParams, findContradictions } from './declared-params.ts';
import { refuseUnattestedDenyList, refuseUnstatedNumbers } from './inputs.ts';
import { ConfigError } from './select.ts';

export type FileKind = 'school' | 'policy' | 'waivers' | 'attestations' | 'roster' | 'register';

export interface FileResult {
  file: string;
  /** What the file was recognised as (absent when it could not be recognised or read). */
  kind?: FileKind;
  valid: boolean;
  problems: Problem[];
  /** Problems the audit reports as findings rather than refusing (roster rows). */
  warnings?: Problem[];
}

const KIND_NAMES: Record<FileKind, string> = {
  school: 'school declaration',
  policy: 'clause map',
  waivers: 'waivers file',
  attestations: 'attestations file',
  roster: 'roster',
  register: 'register file',
};

const whole = (file: string, message: string): Problem => ({
  file,
  line: 0,
  column: 0,
  pointer: '',
  message,
});

function result(
  file: string,
  kind: FileKind | undefined,
  problems: Problem[],
  warnings: Problem[] = [],
): FileResult {
  const r: FileResult = { file, valid: problems.length === 0, problems: problems.sort(compareProblems) };
  if (kind !== undefined) r.kind = kind;
  if (warnings.length > 0) r.warnings = warnings.sort(compareProblems);
  return r;
}

// ---------------------------------------------------------------- recognising a file

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A YAML file's kind from its content, else its name; undefined when neither says. */
export function yamlKind(file: string, data: unknown): FileKind | undefined {
  if (isObject(data)) {
    // A declaration names its clause map, waivers and attestations files as strings; the files hold lists.
    if (isObject(data.school)) return 'school';
    if (Array.isArray(data.clauses)) return 'policy';
    if (Array.isArray(data.waivers)) return 'waivers';
    if (Array.isArray(data.attestations)) return 'attestations';
  }
  const name = basename(file).toLowerCase();
  if (name === 'school.yaml' || name === 'school.yml') return 'school';
  if (name === 'policy.yaml' || name === 'policy.yml') return 'policy';
  if (name === 'waivers.yaml' || name === 'waivers.yml') return 'waivers';
  if (name === 'attestations.yaml' || name === 'attestations.yml') return 'attestations';
  return undefined;
}

const TABLES = ['assets', 'software', 'licences', 'installs'] as const;
const SPREADSHEET = new Set(['.csv', '.xlsx', '.tsv']);

// ---------------------------------------------------------------- each kind

async function readText(file: string, what: string): Promise<string | Problem> {
  try {
    return await readBounded(file, LIMITS.declarationBytes, what);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'is a directory'
          : (err.code ?? err.message);
    return whole(file, `cannot read the ${what}: ${why}`);
  }
}

/** Clause map problems: the file's own and those of what it refers to (catalogue, checks, params). */
export function policyProblems(text: string, file: string): Problem[] {
  try {
    resolvePolicy(parsePolicyFile(text, file), loadCatalog());
    return [];
  } catch (e) {
    if (e instanceof PolicyFileError) return e.problems;
    throw e;
  }
}

/** `file:line:column: /pointer: message` or `file:line:column: message` back into a Problem. */
function waiverProblem(file: string, s: string): Problem {
  const rest = s.startsWith(`${file}:`) ? s.slice(file.length + 1) : s;
  const m = /^(\d+):(\d+): (?:(\/\S*): )?(.*)$/s.exec(rest);
  if (m === null) return whole(file, rest.replace(/^ /, ''));
  return { file, line: Number(m[1]), column: Number(m[2]), pointer: m[3] ?? '', message: m[4] ?? '' };
}

/** Waivers problems: the file's own, then every check and control it names must exist. */
export function waiverProblems(text: string, file: string): Problem[] {
  try {
    const waivers = parseWaivers(text, file);
    const parsed = parseYaml(text);
    const checkIds = new Set(allChecks.map((c) => c.meta.id));
    const controls = loadCatalog().controls;
    const problems: Problem[] = [];
    waivers.forEach((w, i) => {
      const at = (field: 'check' | 'control', message: string): void => {
        const pointer = `/waivers/${i}/${field}`;
        problems.push({ file, ...parsed.locate(pointer), pointer, message });
      };
      if (w.check !== undefined && !checkIds.has(w.check))
        at('check', `waiver ${w.id} names unknown check "${w.check}"`);
      if (w.control !== undefined && !controls.has(w.control))
        at(
          'control',
          `waiver ${w.id} names unknown control "${w.control}" (see checks/catalog/controls.json)`,
        );
    });
    return problems;
  } catch (e) {
    if (e instanceof WaiverFileError) return e.problems.map((p) => waiverProblem(file, p));
    throw e;
  }
}

/**
 * The 1-based column of each header of a CSV file's first row (for problems that name a column): only
 * that first record is read (a stream stopped after it), never the whole file.
 */
async function headerColumns(path: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (extname(path).toLowerCase() !== '.csv') return out;
  try {
    await streamCsv(path, {
      limit: LIMITS.rosterBytes,
      what: 'the file',
      onRecord: (r) => {
        r.record.forEach((h, i) => out.set(h.trim().toLowerCase(), i + 1));
        return false;
      },
    });
  } catch {
    // no header positions: problems fall back to column 1
  }
  return out;
}

async function rosterProblems(
  school: LoadedSchool,
  path: string,
  shown: string,
): Promise<{ problems: Problem[]; warnings: Problem[] }> {
  const roster = school.decl.lifecycle?.roster;
  if (roster === undefined) return { problems: [], warnings: [] };
  const r = await readRoster(path, roster);
  const cols = await headerColumns(path);
  const toProblem = (p: { line: number; column?: string; message: string }): Problem => {
    const field = p.column === undefined ? '' : `column "${p.column}"`;
    const at = p.column === undefined ? 1 : (cols.get(p.column.trim().toLowerCase()) ?? 1);
    return { file: shown, line: p.line, column: p.line === 0 ? 0 : at, pointer: field, message: p.message };
  };
  // As the audit: a problem with the file or its header refuses it; a bad row is the leavers check's error.
  const fatal = r.problems.filter((p) => p.line <= 1);
  const rows = r.problems.filter((p) => p.line > 1);
  return { problems: fatal.map(toProblem), warnings: rows.map(toProblem) };
}

async function registerProblems(school: LoadedSchool, shownDir: string, only?: string): Promise<Problem[]> {
  const inv = school.decl.inventory;
  if (inv === undefined) return [];
  const tables = TABLES.filter(
    (t) => inv[t] !== undefined && (only === undefined || resolve(school.dir, inv[t] ?? '') === only),
  );
  if (tables.length === 0) return [];
  // Only the tables asked for: the others are left out of the copy the register loader reads.
  const chosen: Record<string, unknown> = { ...inv };
  for (const t of TABLES) if (!tables.includes(t)) delete chosen[t];
  const decl = { ...school.decl, inventory: chosen as unknown as typeof inv };
  try {
    await loadRegister({ ...school, decl }, { disposal: 'keep' });
    return [];
  } catch (e) {
    if (!(e instanceof RegisterError)) throw e;
    const out: Problem[] = [];
    const headers = new Map<string, Map<string, number>>();
    for (const p of e.problems as RegisterProblem[]) {
      const shown = join(shownDir, p.file);
      let cols = headers.get(p.file);
      if (cols === undefined) {
        cols = await headerColumns(resolve(school.dir, p.file));
        headers.set(p.file, cols);
      }
      const col = p.column === undefined ? 1 : (cols.get(p.column.trim().toLowerCase()) ?? 1);
      const field = [
        p.sheet === undefined ? '' : `sheet "${p.sheet}"`,
        p.column === undefined ? '' : `column "${p.column}"`,
      ]
        .filter((s) => s !== '')
        .join(' ');
      out.push({
        file: shown,
        line: p.row,
        column: p.row === 0 ? 0 : col,
        pointer: field,
        message: p.message,
      });
    }
    return out;
  }
}

/** The clause ids of the school's clause map, when it reads cleanly. */
async function clauseIds(school: LoadedSchool): Promise<Set<string> | undefined> {
  try {
    const map = await loadPolicy(resolve(school.dir, school.decl.policy.file));
    return new Set(map.clauses.map((c) => c.id));
  } catch {
    return undefined;
  }
}

/** `file:line: message` (the engine's ConfigError problems) back into a Problem; the declaration as shown. */
function configProblem(s: string, school: LoadedSchool, shown: string, declShown: string): Problem {
  const m = /^(.+?):(\d+): (.*)$/s.exec(s);
  if (m === null) return { file: shown, line: 1, column: 1, pointer: '', message: s };
  const file = m[1] === school.file ? declShown : m[1] === shown ? shown : (m[1] ?? shown);
  return { file, line: Number(m[2]), column: 1, pointer: '', message: m[3] ?? '' };
}

/** The clause map against the declaration it serves (checks/engine/inputs.ts, as the audit refuses). */
async function againstDeclaration(
  school: LoadedSchool,
  text: string,
  shown: string,
  declShown: string,
): Promise<Problem[]> {
  const map = resolvePolicy(parsePolicyFile(text, shown), loadCatalog());
  // The same contradictions the audit refuses (inputs.ts refuseContradictions), each at the clause's
  // value itself: line, column and pointer, with the declaration's place in the message.
  const inMap = parseYaml(text);
  const declPos = positions.get(school);
  const problems: Problem[] = findContradictions(
    map.clauses,
    declaredParams(school.decl),
    { clauseMap: shown, declaration: declShown },
    (pointer) => declPos?.locate(pointer).line ?? 1,
  ).map((c) => {
    const i = map.clauses.findIndex((x) => x.id === c.clause);
    const pointer = `/clauses/${i}/params/${escapePointerSegment(c.checkId)}/${escapePointerSegment(c.param)}`;
    const { line, column } = inMap.locate(pointer);
    const message = contradictionMessage(c).slice(`${c.clauseAt.file}:${c.clauseAt.line}: `.length);
    return { file: shown, line, column, pointer, message };
  });
  for (const refuse of [refuseUnattestedDenyList, refuseUnstatedNumbers]) {
    try {
      refuse(school, map);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems.map((x) => configProblem(x, school, shown, declShown))) {
        // "clause <id> cites <control>": at that control in the clause's list.
        const m = /^clause (\S+) cites ([A-Z0-9-]+)/.exec(p.message);
        const i = map.clauses.findIndex((c) => c.id === m?.[1]);
        const j = i < 0 ? -1 : (map.clauses[i]?.controls.indexOf(m?.[2] ?? '') ?? -1);
        if (j >= 0) {
          p.pointer = `/clauses/${i}/controls/${j}`;
          ({ line: p.line, column: p.column } = inMap.locate(p.pointer));
        }
        problems.push(p);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- a school's folder

/** A file the declaration names, inside the school's folder (links followed), or the problem. */
async function named(school: LoadedSchool, rel: string, field: string, declShown: string, pointer: string) {
  try {
    return { path: await confinedFile(resolve(school.dir, rel), [school.dir], field) };
  } catch (e) {
    const { line, column } = locateIn(school, pointer);
    return { problem: { file: declShown, line, column, pointer, message: (e as Error).message } };
  }
}

const positions = new WeakMap<LoadedSchool, ReturnType<typeof parseYaml>>();
function locateIn(school: LoadedSchool, pointer: string): { line: number; column: number } {
  return positions.get(school)?.locate(pointer) ?? { line: 1, column: 1 };
}

/**
 * Every file of a valid declaration's school that an audit reads before contacting anything: the
 * clause map, the waivers, the roster's mapping against its header, the register. `shownDir` is how
 * the user named the school's folder (problems use it). The declaration itself is not re-checked.
 */
export async function validateSchoolFiles(
  school: LoadedSchool,
  shownDir = school.dir,
): Promise<FileResult[]> {
  const declShown = join(shownDir, basename(school.file));
  const declText = await readText(school.file, 'school declaration');
  if (typeof declText === 'string') positions.set(school, parseYaml(declText));
  const out: FileResult[] = [];
  const declProblems: Problem[] = [];
  const { decl } = school;

  const policy = await named(school, decl.policy.file, 'policy.file', declShown, '/policy/file');
  if (policy.problem) declProblems.push(policy.problem);
  else {
    const shown = join(shownDir, decl.policy.file);
    const text = await readText(policy.path, 'clause map');
    const problems = typeof text === 'string' ? policyProblems(text, shown) : [text];
    // Against the declaration too: a clause weaker than the number it declares, an AD deny list unattested.
    if (problems.length === 0 && typeof text === 'string')
      problems.push(...(await againstDeclaration(school, text, shown, declShown)));
    out.push(result(shown, 'policy', problems));
  }

  // The declaration may name its waivers file; otherwise a waivers.yaml beside it is used when present.
  let waiversRel: string | undefined = decl.waivers;
  if (waiversRel === undefined) {
    const beside = await stat(join(school.dir, 'waivers.yaml')).catch(() => undefined);
    if (beside?.isFile()) waiversRel = 'waivers.yaml';
  }
  if (waiversRel !== undefined) {
    const w = await named(school, waiversRel, 'waivers', declShown, '/waivers');
    if (w.problem) declProblems.push(w.problem);
    else {
      const shown = join(shownDir, waiversRel);
      const text = await readText(w.path, 'waivers file');
      out.push(result(shown, 'waivers', typeof text === 'string' ? waiverProblems(text, shown) : [text]));
    }
  }

  // Attestation records: named, else attestations.yaml beside the declaration; clause ids checked against the map.
  let attRel: string | undefined = decl.attestations;
  if (attRel === undefined) {
    const beside = await stat(join(school.dir, 'attestations.yaml')).catch(() => undefined);
    if (beside?.isFile()) attRel = 'attestations.yaml';
  }
  if (attRel !== undefined) {
    const a = await named(school, attRel, 'attestations', declShown, '/attestations');
    if (a.problem) declProblems.push(a.problem);
    else {
      const shown = join(shownDir, attRel);
      const text = await readText(a.path, 'attestations file');
      const clauses = await clauseIds(school);
      out.push(
        result(
          shown,
          'attestations',
          typeof text === 'string'
            ? parseAttestations(text, shown, clauses === undefined ? {} : { clauses }).problems
            : [text],
        ),
      );
    }
  }

  const roster = decl.lifecycle?.roster;
  if (roster !== undefined) {
    const r = await named(school, roster.file, 'lifecycle.roster.file', declShown, '/lifecycle/roster/file');
    if (r.problem) declProblems.push(r.problem);
    else {
      const shown = join(shownDir, roster.file);
      const { problems, warnings } = await rosterProblems(school, r.path, shown);
      out.push(result(shown, 'roster', problems, warnings));
    }
  }

  declProblems.push(...(await linkedSecretProblems(school.dir, decl, declShown, (p) => locateIn(school, p))));

  const inv = decl.inventory;
  if (inv !== undefined) {
    const problems = await registerProblems(school, shownDir);
    for (const t of ['assets', 'software', 'licences', 'installs'] as const) {
      const rel = inv[t];
      if (rel === undefined) continue;
      const shown = join(shownDir, rel);
      out.push(
        result(
          shown,
          'register',
          problems.filter((p) => p.file === shown || p.file === join(shownDir, rel)),
        ),
      );
    }
    const unplaced = problems.filter((p) => !out.some((r) => r.file === p.file));
    declProblems.push(...unplaced.map((p) => ({ ...p, file: declShown })));
  }
  positions.delete(school);
  if (declProblems.length > 0) out.unshift(result(declShown, 'school', declProblems));
  return out;
}

/**
 * `file:` secrets and CA certificates, links followed: a link inside the school's folder (or a secrets
 * directory) that leads elsewhere is a problem of its field at validation, not only where it is opened.
 */
async function linkedSecretProblems(
  dir: string,
  decl: unknown,
  shown: string,
  locate: (pointer: string) => { line: number; column: number },
): Promise<Problem[]> {
  const roots = [dir, ...secretsDirs()];
  const out: Problem[] = [];
  for (const f of declaredPaths(decl)) {
    if (!f.secret || f.value === '') continue;
    try {
      await confinedFile(resolve(dir, f.value), roots, f.pointer.slice(1).replace(/\//g, '.'));
    } catch (e) {
      if (!(e instanceof ConfinementError)) throw e;
      out.push({ file: shown, ...locate(f.pointer), pointer: f.pointer, message: e.message });
    }
  }
  return out;
}

/** The declaration file and then everything it names. */
async function validateFolder(dir: string): Promise<FileResult[]> {
  const file = join(dir, 'school.yaml');
  const text = await readText(file, 'school declaration');
  if (typeof text !== 'string') return [result(file, undefined, [text])];
  const { problems, data } = analyseSchoolText(text, file);
  const self = result(file, 'school', problems);
  if (problems.length > 0) return [self];
  const abs = resolve(file);
  const loaded: LoadedSchool = { file: abs, dir: dirname(abs), decl: data as SchoolDeclaration };
  const rest = await validateSchoolFiles(loaded, dir);
  const merged = rest.find((r) => r.file === file);
  if (merged !== undefined) return rest;
  return [self, ...rest];
}

/** The valid declaration beside a file, for a spreadsheet given on its own. */
async function schoolBeside(file: string): Promise<LoadedSchool | Problem> {
  const decl = join(dirname(file), 'school.yaml');
  const problems = await validateSchoolFile(decl);
  if (problems.length > 0)
    return whole(
      file,
      `cannot tell what this spreadsheet is: the school declaration beside it (${decl}) ${
        problems[0]?.line === 0 ? 'cannot be read' : 'is invalid'
      }, and a roster or register file is read by the mapping it declares`,
    );
  const abs = resolve(decl);
  const text = (await readText(decl, 'school declaration')) as string;
  const { data } = analyseSchoolText(text, decl);
  return { file: abs, dir: dirname(abs), decl: data as SchoolDeclaration };
}

async function validateSpreadsheet(file: string): Promise<FileResult> {
  const school = await schoolBeside(file);
  if (!('decl' in school)) return result(file, undefined, [school]);
  const abs = resolve(file);
  const roster = school.decl.lifecycle?.roster;
  if (roster !== undefined && resolve(school.dir, roster.file) === abs) {
    const { problems, warnings } = await rosterProblems(school, abs, file);
    return result(file, 'roster', problems, warnings);
  }
  const inv = school.decl.inventory;
  const table = (['assets', 'software', 'licences', 'installs'] as const).find(
    (t) => inv?.[t] !== undefined && resolve(school.dir, inv[t] ?? '') === abs,
  );
  if (table !== undefined) {
    const problems = await registerProblems(school, dirname(file), abs);
    return result(
      file,
      'register',
      problems.map((p) => ({ ...p, file })),
    );
  }
  return result(file, undefined, [
    whole(
      file,
      `cannot tell what this spreadsheet is: ${join(dirname(file), 'school.yaml')} names it neither as lifecycle.roster.file nor as inventory.assets, software, licences or installs`,
    ),
  ]);
}

async function validateYaml(file: string): Promise<FileResult> {
  const text = await readText(file, 'file');
  if (typeof text !== 'string') return result(file, undefined, [text]);
  const parsed = parseYaml(text);
  const kind = yamlKind(file, parsed.data);
  if (kind === undefined) {
    const problems =
      parsed.syntaxErrors.length > 0
        ? parsed.syntaxErrors.map((e) => ({
            file,
            line: e.line,
            column: e.column,
            pointer: '',
            message: e.message.split('\n')[0] ?? '',
          }))
        : [
            {
              file,
              line: 1,
              column: 1,
              pointer: '',
              message:
                'cannot tell what kind of file this is: a school declaration has a "school:" mapping, a clause map "clauses:", a waivers file "waivers:"',
            },
          ];
    return result(file, undefined, problems);
  }
  if (kind === 'policy') return result(file, kind, policyProblems(text, file));
  if (kind === 'waivers') return result(file, kind, waiverProblems(text, file));
  if (kind === 'attestations') return result(file, kind, parseAttestations(text, file).problems);
  const school = analyseSchoolText(text, file);
  if (school.problems.length > 0) return result(file, 'school', school.problems);
  const dir = dirname(resolve(file));
  return result(file, 'school', await linkedSecretProblems(dir, school.data, file, (p) => parsed.locate(p)));
}

/** Is `dir` a school's folder (holds school.yaml) or a folder of schools? */
async function folderSchools(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === 'school.yaml')) return [dir];
  const out: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const inner = await readdir(join(dir, e.name)).catch(() => [] as string[]);
    if (inner.includes('school.yaml')) out.push(join(dir, e.name));
  }
  return out;
}

/** Validates files (each by its kind) and school folders (everything in them); one result per file. */
export async function validatePaths(paths: readonly string[]): Promise<FileResult[]> {
  const out: FileResult[] = [];
  const seen = new Set<string>();
  const add = (rs: FileResult[]): void => {
    for (const r of rs) {
      const key = resolve(r.file);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  };
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) {
      const schools = await folderSchools(p);
      if (schools.length === 0)
        add([result(p, undefined, [whole(p, 'no school.yaml in this folder or its sub-folders')])]);
      for (const dir of schools) add(await validateFolder(dir));
    } else if (SPREADSHEET.has(extname(p).toLowerCase())) {
      add([
        st === undefined
          ? result(p, undefined, [whole(p, 'cannot read the file: no such file')])
          : await validateSpreadsheet(p),
      ]);
    } else if (st === undefined && basename(p) === 'school.yaml') {
      add([result(p, undefined, await validateSchoolFile(p))]);
    } else add([await validateYaml(p)]);
  }
  return out;
}

/** The files of a loaded school that refuse an audit or an apply: every invalid one, with its problems. */
export async function schoolRefusal(school: LoadedSchool, shownDir?: string): Promise<Problem[]> {
  const results = await validateSchoolFiles(school, shownDir ?? relative(process.cwd(), school.dir) ?? '.');
  return results.flatMap((r) => r.problems);
}

export { KIND_NAMES };
