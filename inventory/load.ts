/**
 * Load and validate school declarations (`inventory/schools/<school>/school.yaml`).
 *
 * Validation reports every problem at once, each at `file:line:column` with the JSON pointer of the
 * value concerned: YAML syntax first (nothing else is reliable after one), then the JSON Schema, then
 * the semantic checks (cross-references, duplicates, subnet arithmetic).
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { declaredPathProblems } from './confine.ts';
import { InputTooLargeError, LIMITS, readBounded } from './limits.ts';
import { transportProblems } from './transport.ts';
import type { LoadedSchool, SchoolDeclaration } from './types.ts';
import { schemaProblems } from './schema.ts';
import { semanticProblems } from './semantic.ts';
import { parseYaml } from './yaml-positions.ts';

export interface Problem {
  /** The file as the caller named it. */
  file: string;
  /** 1-based; 0 when the problem is the file itself (unreadable). */
  line: number;
  column: number;
  /** JSON pointer of the value concerned ('' for the whole document). */
  pointer: string;
  message: string;
}

/** Thrown by `loadSchool` with every problem the file has. */
export class DeclarationError extends Error {
  readonly file: string;
  readonly problems: Problem[];

  constructor(file: string, problems: Problem[]) {
    const n = problems.length;
    super(`${file}: ${n} problem${n === 1 ? '' : 's'}\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'DeclarationError';
    this.file = file;
    this.problems = problems;
  }
}

/** `file:line:column: /pointer: message`, or `file: message` for a problem with the file itself. */
export function formatProblem(p: Problem): string {
  if (p.line === 0) return `${p.file}: ${p.message}`;
  return `${p.file}:${p.line}:${p.column}: ${p.pointer || '/'}: ${p.message}`;
}

/** Stable order: by file, then position, then pointer and message. */
export function compareProblems(a: Problem, b: Problem): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0) ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}

/** The school id a file's location implies: `<id>` for `.../schools/<id>/school.yaml`. */
export function expectedSchoolId(file: string): string | undefined {
  const parts = resolve(file).split(sep);
  const n = parts.length;
  if (n >= 3 && parts[n - 1] === 'school.yaml' && parts[n - 3] === 'schools') return parts[n - 2];
  return undefined;
}

interface Analysis {
  problems: Problem[];
  data: unknown;
}

/** Validate declaration text (pure; `file` only labels the problems and gives the folder name). */
export function analyseSchoolText(text: string, file: string): Analysis {
  const parsed = parseYaml(text);
  if (parsed.syntaxErrors.length > 0) {
    const problems = parsed.syntaxErrors.map((e) => ({
      file,
      line: e.line,
      column: e.column,
      pointer: '',
      message: e.message,
    }));
    return { problems: problems.sort(compareProblems), data: undefined };
  }
  const problems: Problem[] = [];
  for (const p of schemaProblems(parsed.data))
    problems.push({
      file,
      ...parsed.locate(p.pointer, { key: p.atKey }),
      pointer: p.pointer,
      message: p.message,
    });
  const expectedId = expectedSchoolId(file);
  for (const p of semanticProblems(parsed.data, expectedId === undefined ? {} : { expectedId }))
    problems.push({ file, ...parsed.locate(p.pointer), pointer: p.pointer, message: p.message });
  for (const p of [
    ...declaredPathProblems(parsed.data, dirname(resolve(file))),
    ...transportProblems(parsed.data),
  ])
    problems.push({ file, ...parsed.locate(p.pointer), pointer: p.pointer, message: p.message });
  const sorted = problems.sort(compareProblems);
  if (sorted.length <= LIMITS.problems) return { problems: sorted, data: parsed.data };
  const rest = sorted.length - LIMITS.problems;
  const more: Problem = {
    file,
    line: 1,
    column: 1,
    pointer: '',
    message: `${rest} more problems not listed`,
  };
  return { problems: [...sorted.slice(0, LIMITS.problems), more], data: parsed.data };
}

async function readDeclaration(file: string): Promise<{ text?: string; problem?: Problem }> {
  try {
    return { text: await readBounded(file, LIMITS.declarationBytes, 'the declaration') };
  } catch (e) {
    if (e instanceof InputTooLargeError)
      return { problem: { file, line: 0, column: 0, pointer: '', message: e.message } };
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT'
        ? 'no such file'
        : err.code === 'EISDIR'
          ? 'is a directory'
          : (err.code ?? err.message);
    return {
      problem: { file, line: 0, column: 0, pointer: '', message: `cannot read the declaration: ${why}` },
    };
  }
}

/** Every problem in one declaration file; an empty list means it is valid. */
export async function validateSchoolFile(file: string): Promise<Problem[]> {
  const { text, problem } = await readDeclaration(file);
  if (problem) return [problem];
  return analyseSchoolText(text ?? '', file).problems;
}

/** Load a valid declaration, or throw a DeclarationError carrying all its problems. */
export async function loadSchool(file: string): Promise<LoadedSchool> {
  const { text, problem } = await readDeclaration(file);
  if (problem) throw new DeclarationError(file, [problem]);
  const { problems, data } = analyseSchoolText(text ?? '', file);
  if (problems.length > 0) throw new DeclarationError(file, problems);
  const abs = resolve(file);
  return { file: abs, dir: dirname(abs), decl: data as SchoolDeclaration };
}

export interface SchoolsDirResult {
  /** Valid schools, in folder-name order. */
  schools: LoadedSchool[];
  /** One error per school that failed to load; they do not stop the others. */
  errors: DeclarationError[];
}

/** Load every `<dir>/<school>/school.yaml`, sorted by folder name. */
export async function loadSchoolsDir(dir: string): Promise<SchoolsDirResult> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = join(dir, entry.name, 'school.yaml');
    const inFolder = await readdir(join(dir, entry.name));
    if (inFolder.includes(basename(file))) files.push(file);
  }
  const results = await Promise.allSettled(files.map((f) => loadSchool(f)));
  const out: SchoolsDirResult = { schools: [], errors: [] };
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out.schools.push(r.value);
    else if (r.reason instanceof DeclarationError) out.errors.push(r.reason);
    else
      out.errors.push(
        new DeclarationError(files[i] ?? dir, [
          {
            file: files[i] ?? dir,
            line: 0,
            column: 0,
            pointer: '',
            message: String((r.reason as Error)?.message ?? r.reason),
          },
        ]),
      );
  });
  return out;
}
