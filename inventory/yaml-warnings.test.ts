import { describe, expect, it } from 'vitest';
import { parseYaml } from './yaml-positions.ts';

describe('YAML warnings and control characters are errors, with a line number', () => {
  it('an unknown tag does not quietly become text', () => {
    const r = parseYaml('school:\n  id: demo\n  name: !vault secret-thing\n');
    expect(r.data).toBeUndefined();
    expect(r.syntaxErrors).toEqual([
      expect.objectContaining({
        line: 3,
        message: expect.stringMatching(/^YAML warning \(refused\): .*!vault/),
      }),
    ]);
  });

  it('a raw NUL byte or escape character in the file', () => {
    const r = parseYaml('a: 1\nb: "x\u0000y"\nc: z\u001b[31m\n');
    expect(r.data).toBeUndefined();
    expect(r.syntaxErrors.map((e) => [e.line, e.message])).toEqual([
      [2, 'control character NUL U+0000 in the file'],
      [3, 'control character U+001B in the file'],
    ]);
  });

  it('a control character made by an escape in a quoted string, located at its value', () => {
    const r = parseYaml('school:\n  name: "Oak\\0field"\n');
    expect(r.data).toBeUndefined();
    expect(r.syntaxErrors).toEqual([
      { line: 2, column: 9, message: 'control character NUL U+0000 in a string' },
    ]);
  });

  it('tabs, CR/LF and ordinary text stay fine', () => {
    const r = parseYaml('a: "tab\\there"\r\nb: plain\r\n');
    expect(r.syntaxErrors).toEqual([]);
    expect(r.data).toEqual({ a: 'tab\there', b: 'plain' });
  });
});
