/**
 * Parse YAML keeping node positions, so any problem found on the plain data (by JSON pointer) can be
 * reported at the `line:column` a person sees in their editor.
 */
import { CST, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, Parser } from 'yaml';
import type { Document, Node as YamlNode, YAMLError } from 'yaml';

/** 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

export interface YamlSyntaxProblem extends Position {
  message: string;
}

export interface ParsedYaml {
  /** The document as plain data; undefined when the YAML has syntax errors. */
  data: unknown;
  syntaxErrors: YamlSyntaxProblem[];
  /** Where the node at a JSON pointer starts. `key: true` prefers the mapping key over its value (for
   * "unknown key" problems). A pointer to something absent gives its deepest existing ancestor. */
  locate(pointer: string, opts?: { key?: boolean }): Position;
}

/** Split a JSON pointer (RFC 6901) into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const locate = (pointer: string, opts: { key?: boolean } = {}): Position => {
    const offset = locateOffset(doc, pointerSegments(pointer), opts.key ?? false);
    return at(offset);
  };

  const syntaxErrors = doc.errors.map((e) => ({
    ...at(errorOffset(text, e)),
    message: `YAML syntax error: ${e.message}`,
  }));
  // Warnings are errors: an unknown tag would otherwise quietly become text.
  for (const w of doc.warnings)
    syntaxErrors.push({ ...at(errorOffset(text, w)), message: `YAML warning (refused): ${w.message}` });
  // NUL and other control characters (tab, CR and LF aside) have no place in a declaration.
  for (const m of text.matchAll(CONTROL_CHARS)) {
    if (syntaxErrors.length >= 20) break;
    syntaxErrors.push({ ...at(m.index), message: `control character ${controlName(m[0])} in the file` });
  }
  if (syntaxErrors.length > 0) return { data: undefined, syntaxErrors, locate };
  try {
    // A cap on alias expansion keeps a "billion laughs" file from exhausting memory.
    const data: unknown = doc.toJS({ maxAliasCount: 1000 });
    // An escape in a quoted string ("\0", "\x1b") makes the same characters without writing them.
    const escaped = controlStrings(data, '');
    if (escaped.length > 0)
      return {
        data: undefined,
        syntaxErrors: escaped.slice(0, 20).map((e) => ({ ...locate(e.pointer), message: e.message })),
        locate,
      };
    return { data, syntaxErrors, locate };
  } catch (e) {
    return {
      data: undefined,
      syntaxErrors: [{ line: 1, column: 1, message: `YAML error: ${(e as Error).message}` }],
      locate,
    };
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function controlName(c: string): string {
  const code = c.charCodeAt(0);
  return `${code === 0 ? 'NUL ' : ''}U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Strings (and keys) in parsed data holding control characters, by JSON pointer. */
function controlStrings(v: unknown, pointer: string): Array<{ pointer: string; message: string }> {
  if (typeof v === 'string') {
    const m = CONTROL_CHAR.exec(v);
    return m ? [{ pointer, message: `control character ${controlName(m[0])} in a string` }] : [];
  }
  if (Array.isArray(v)) return v.flatMap((x, i) => controlStrings(x, `${pointer}/${i}`));
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => {
      const at = `${pointer}/${escapePointerSegment(k)}`;
      const key = CONTROL_CHAR.exec(k);
      return key
        ? [{ pointer: at, message: `control character ${controlName(key[0])} in a key` }]
        : controlStrings(x, at);
    });
  return [];
}

function startOf(node: YamlNode | null | undefined): number | undefined {
  return node?.range?.[0];
}

/**
 * Walk the document by pointer segments. The answer is the value's start, except that a block
 * collection under a key is reported at its key (the `zones:` line reads better than the first rule),
 * and a missing or empty value is reported at its key.
 */
function locateOffset(doc: Document, segments: string[], preferKey: boolean): number {
  let node: unknown = doc.contents;
  let best = startOf(doc.contents as YamlNode | null) ?? 0;
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return best;
      const keyStart = isScalar(pair.key) ? startOf(pair.key) : undefined;
      const value = pair.value;
      const valueStart = startOf(value as YamlNode | null);
      const emptyValue = value === null || (isScalar(value) && value.value === null && value.source === '');
      const blockCollection = isCollection(value) && !value.flow;
      const useKey = (last && preferKey) || emptyValue || blockCollection;
      best = (useKey ? keyStart : valueStart) ?? keyStart ?? best;
      node = value;
    } else if (isSeq(node)) {
      const item: unknown = /^[0-9]+$/.test(seg) ? node.items[Number(seg)] : undefined;
      if (item === undefined || item === null) return best;
      best = startOf(item as YamlNode) ?? best;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

/**
 * The parser notices an unclosed quote or bracket only where the text runs out, often the end of the
 * file. Point at the opening quote or bracket instead: that is the line a person has to fix.
 */
function errorOffset(text: string, e: YAMLError): number {
  const unclosedQuote = e.code === 'MISSING_CHAR' && /quote/i.test(e.message);
  const unclosedFlow = e.code === 'BAD_INDENT' && /^Flow (sequence|map)/.test(e.message);
  if (!unclosedQuote && !unclosedFlow) return e.pos[0];
  let opening: number | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      for (const t of [item.key, item.value]) {
        if (!t || t.offset > e.pos[0]) continue;
        const quoted = t.type === 'double-quoted-scalar' || t.type === 'single-quoted-scalar';
        if (unclosedQuote && quoted && !isClosedQuote(t.source)) opening = t.offset;
        if (
          unclosedFlow &&
          t.type === 'flow-collection' &&
          !t.end.some((x) => x.type === 'flow-seq-end' || x.type === 'flow-map-end')
        )
          opening = t.offset;
      }
    });
  }
  return opening ?? e.pos[0];
}

function isClosedQuote(source: string): boolean {
  const trimmed = source.trimEnd();
  const q = trimmed[0];
  return trimmed.length >= 2 && trimmed.endsWith(q ?? '');
}
